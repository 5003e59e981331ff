// Token object and handle leak check of the key objects (src/core/keys.h,
// key_exchange.cpp, session_keys.cpp and the p11::Object owners behind them):
// N full open/derive/free cycles must leave the token with exactly the objects
// it had before, and the handle table with exactly its handles.
//
// The objects are counted with C_FindObjects and an empty template in a
// session of the provider's pool. An "anchor" provider stays open for the
// whole test so that the token context (and the sessions whose objects would
// otherwise vanish with them) outlives the cycling provider handles: a leaked
// session object stays visible instead of being swept away by C_Finalize.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "abi/handle_table.h"
#include "core/support/key_checks.h"
#include "core/support/server_key.h"
#include "core/support/ssl_calls.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls_prf.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::coretest {
namespace {

using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

constexpr int kCycles = 200;
constexpr int kCyclesPerProvider = 50;
constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;

enum class FreeOrder { creation, reverse, master_first, shuffled };

const char* order_name(FreeOrder o) {
  switch (o) {
    case FreeOrder::creation:
      return "creation order";
    case FreeOrder::reverse:
      return "reverse order";
    case FreeOrder::master_first:
      return "master first";
    case FreeOrder::shuffled:
      return "shuffled";
  }
  return "";
}

// Handles of one cycle, in creation order; `master` indexes the master key.
struct CycleHandles {
  std::vector<NCRYPT_HANDLE> handles;
  std::size_t master = 0;
};

class ObjectLeak : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    anchor_ = std::make_unique<ProviderHandle>(spec());
    ASSERT_EQ(anchor_->open_status(), ERROR_SUCCESS);
    try {
      server_ = std::make_unique<ServerRsaKey>(anchor_->get(), /*token_objects=*/spec().name == "softhsm");
    } catch (const std::exception& e) {
      FAIL() << "setting up the server's RSA key: " << e.what();
    }
    for (DWORD id : enumerate_suites(anchor_->get())) {
      const SuiteFacts* s = find_suite_facts(id);
      if (s == nullptr) continue;
      if (s->exchange == Exchange::ecdhe && s->prf == Hash::sha256) ecdhe_.push_back(s);
      if (s->exchange == Exchange::ecdhe && s->prf == Hash::sha384) ecdhe384_.push_back(s);
      if (s->exchange == Exchange::rsa) rsa_.push_back(s);
    }
    ASSERT_FALSE(ecdhe_.empty());
    ASSERT_FALSE(ecdhe384_.empty());
    ASSERT_FALSE(rsa_.empty());
    peer_rsa_ = rsa_generate(2048);
  }
  void TearDown() override {
    server_.reset();
    anchor_.reset();
  }
  const TokenSpec& spec() const { return GetParam(); }
  bool softhsm() const { return spec().name == "softhsm"; }

  // One ECDHE handshake (suite, EMS and role vary with the cycle).
  CycleHandles ecdhe_cycle(NCRYPT_PROV_HANDLE p, int cycle) {
    const SuiteFacts& suite = *ecdhe_[static_cast<std::size_t>(cycle) % ecdhe_.size()];
    const CurveFacts& curve = cycle % 3 == 0 ? p384() : p256();
    CycleHandles out;
    SslObject eph, pub, master, read, write;
    require_ok(SslCreateEphemeralKey(p, eph.out(), kTls12, suite.id, curve.group, curve.bits, nullptr, 0, 0),
               "SslCreateEphemeralKey");
    (void)export_key(p, eph.get(), BCRYPT_ECCPUBLIC_BLOB);
    Pkey peer = ec_generate(curve);
    Bytes blob = ecc_public_blob(curve, ec_public_point(peer.get()));
    require_ok(SslImportKey(p, pub.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
               "SslImportKey");
    const Bytes cr = random_bytes(32), sr = random_bytes(32);
    ParamList mp, randoms;
    if (cycle % 2 == 0) {
      mp.add(NCRYPTBUFFER_SSL_SESSION_HASH, random_bytes(hash_bytes(suite.prf)));
    } else {
      mp.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, sr);
    }
    randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, sr);
    require_ok(SslGenerateMasterKey(p, eph.get(), pub.get(), master.out(), kTls12, suite.id, mp.desc(), nullptr, 0,
                                    nullptr, cycle % 4 < 2 ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG),
               "SslGenerateMasterKey");
    require_ok(SslGenerateSessionKeys(p, master.get(), read.out(), write.out(), randoms.desc(), 0),
               "SslGenerateSessionKeys");
    out.handles = {eph.release(), pub.release(), master.release(), read.release(), write.release()};
    out.master = 2;
    return out;
  }

  // RSA client: the peer's public key is a token object too; with EMS through
  // SslGeneratePreMasterKey (one more object: the pre-master).
  CycleHandles rsa_client_cycle(NCRYPT_PROV_HANDLE p, int cycle) {
    const SuiteFacts& suite = *rsa_[static_cast<std::size_t>(cycle) % rsa_.size()];
    CycleHandles out;
    SslObject pub, pre, master, read, write;
    Bytes blob = rsa_public_blob(rsa_modulus(peer_rsa_.get()), rsa_public_exponent(peer_rsa_.get()));
    require_ok(SslImportKey(p, pub.out(), BCRYPT_RSAPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
               "SslImportKey(RSA)");
    const Bytes cr = random_bytes(32), sr = random_bytes(32);
    ParamList randoms;
    randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, sr);
    Bytes enc(256);
    DWORD cb = 0;
    if (cycle % 2 == 0) {
      ParamList mp;
      mp.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr)
          .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, sr)
          .add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
      require_ok(SslGenerateMasterKey(p, 0, pub.get(), master.out(), kTls12, suite.id, mp.desc(), enc.data(),
                                      static_cast<DWORD>(enc.size()), &cb, NCRYPT_SSL_CLIENT_FLAG),
                 "SslGenerateMasterKey(RSA)");
    } else {
      ParamList pp, mp;
      pp.add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
      require_ok(SslGeneratePreMasterKey(p, pub.get(), pre.out(), kTls12, suite.id, pp.desc(), enc.data(),
                                         static_cast<DWORD>(enc.size()), &cb, NCRYPT_SSL_CLIENT_FLAG),
                 "SslGeneratePreMasterKey");
      mp.add(NCRYPTBUFFER_SSL_SESSION_HASH, random_bytes(hash_bytes(suite.prf)))
          .add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
      require_ok(SslGenerateMasterKey(p, pre.get(), pub.get(), master.out(), kTls12, suite.id, mp.desc(), nullptr, 0,
                                      nullptr, NCRYPT_SSL_CLIENT_FLAG),
                 "SslGenerateMasterKey(pre-master)");
    }
    require_ok(SslGenerateSessionKeys(p, master.get(), read.out(), write.out(), randoms.desc(), 0),
               "SslGenerateSessionKeys");
    out.handles = {pub.release()};
    if (pre.get() != 0) out.handles.push_back(pre.release());
    out.master = out.handles.size();
    out.handles.push_back(master.release());
    out.handles.push_back(read.release());
    out.handles.push_back(write.release());
    return out;
  }

  // RSA server import: a good ciphertext, or (every other time) one with bad
  // padding, which takes the Bleichenbacher path (random pre-master).
  CycleHandles rsa_server_cycle(NCRYPT_PROV_HANDLE p, int cycle) {
    const SuiteFacts& suite = *rsa_[static_cast<std::size_t>(cycle) % rsa_.size()];
    CycleHandles out;
    SslObject server, master, read, write;
    // The cycling provider needs its own private-key handle (keys belong to a provider instance).
    CERT_CONTEXT cert{X509_ASN_ENCODING, const_cast<BYTE*>(server_->certificate().data()),
                      static_cast<DWORD>(server_->certificate().size()), nullptr, nullptr};
    require_ok(SslOpenPrivateKey(p, server.out(), &cert, 0), "SslOpenPrivateKey");
    const Bytes cr = random_bytes(32), sr = random_bytes(32);
    ParamList mp, randoms;
    mp.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr)
        .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, sr)
        .add_dword(NCRYPTBUFFER_SSL_HIGHEST_VERSION, kTls12);
    randoms.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, sr);
    Bytes pms = random_bytes(48);
    pms[0] = 3;
    pms[1] = 3;
    Bytes enc;
    if (cycle % 2 == 0) {
      enc = rsa_encrypt_pkcs1(server_->openssl_public(), pms);
    } else {
      Bytes block(256, 0xff);
      block[0] = 0x00;
      block[1] = 0x01;  // signature padding: not a valid encryption block
      block[256 - 49] = 0x00;
      std::copy(pms.begin(), pms.end(), block.end() - 48);
      enc = rsa_encrypt_raw(server_->openssl_public(), block);
    }
    require_ok(SslImportMasterKey(p, server.get(), master.out(), kTls12, suite.id, mp.desc(), enc.data(),
                                  static_cast<DWORD>(enc.size()), NCRYPT_SSL_SERVER_FLAG),
               "SslImportMasterKey");
    require_ok(SslGenerateSessionKeys(p, master.get(), read.out(), write.out(), randoms.desc(), 0),
               "SslGenerateSessionKeys");
    out.handles = {server.release(), master.release(), read.release(), write.release()};
    out.master = 1;
    return out;
  }

  // A refused master key after token work was done: SoftHSM's HMAC-SHA384
  // cannot key with a 32-byte P-256 secret (the ECDH secret object was already
  // made and must go). NSS has no such refusal: there it is a normal cycle.
  // SslCreateEphemeralKey refuses a SHA-384 suite on P-256 up front on
  // SoftHSM, so the key pair is made for a SHA-256 suite and the SHA-384 one
  // is named at SslGenerateMasterKey, which checks again.
  CycleHandles refused_cycle(NCRYPT_PROV_HANDLE p, int cycle) {
    const SuiteFacts& suite = *ecdhe384_[static_cast<std::size_t>(cycle) % ecdhe384_.size()];
    CycleHandles out;
    SslObject eph, pub, master;
    require_ok(SslCreateEphemeralKey(p, eph.out(), kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, p256().group,
                                     p256().bits, nullptr, 0, 0),
               "SslCreateEphemeralKey");
    Pkey peer = ec_generate(p256());
    Bytes blob = ecc_public_blob(p256(), ec_public_point(peer.get()));
    require_ok(SslImportKey(p, pub.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0),
               "SslImportKey");
    const Bytes cr = random_bytes(32), sr = random_bytes(32);
    ParamList mp;
    mp.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, cr).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, sr);
    const SECURITY_STATUS s = SslGenerateMasterKey(p, eph.get(), pub.get(), master.out(), kTls12, suite.id, mp.desc(),
                                                   nullptr, 0, nullptr, NCRYPT_SSL_CLIENT_FLAG);
    if (softhsm()) {
      if (s != NTE_NOT_SUPPORTED) throw std::runtime_error("expected NTE_NOT_SUPPORTED, got " + status_hex(s));
      if (master.get() != 0) throw std::runtime_error("a refused SslGenerateMasterKey returned a handle");
    } else {
      require_ok(s, "SslGenerateMasterKey");
    }
    out.handles = {eph.release(), pub.release()};
    out.master = 0;
    if (master.get() != 0) {
      out.master = out.handles.size();
      out.handles.push_back(master.release());
    }
    return out;
  }

  CycleHandles run_cycle(NCRYPT_PROV_HANDLE p, int cycle) {
    switch (cycle % 10) {
      case 3:
      case 8:
        return rsa_client_cycle(p, cycle);
      case 5:
        return rsa_server_cycle(p, cycle);
      case 7:
        return refused_cycle(p, cycle);
      default:
        return ecdhe_cycle(p, cycle);
    }
  }

  static void free_in_order(CycleHandles& c, FreeOrder order, std::mt19937& rng) {
    std::vector<NCRYPT_HANDLE> h = c.handles;
    switch (order) {
      case FreeOrder::creation:
        break;
      case FreeOrder::reverse:
        std::reverse(h.begin(), h.end());
        break;
      case FreeOrder::master_first:
        std::rotate(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(c.master), h.end());
        break;
      case FreeOrder::shuffled:
        std::shuffle(h.begin(), h.end(), rng);
        break;
    }
    for (NCRYPT_HANDLE x : h) EXPECT_EQ(SslFreeObject(x, 0), ERROR_SUCCESS) << test::last_error();
    c.handles.clear();
  }

  // kCycles cycles, a new provider handle every kCyclesPerProvider. With
  // `vary`, the free order rotates through FreeOrder, and the keys of the last
  // cycle of each provider handle are freed only after that handle (a key keeps
  // its token context alive on its own).
  void run(bool vary) {
    const std::size_t objects_before = count_token_objects(anchor_->get());
    const std::size_t handles_before = abi::HandleTable::instance().size();
    std::mt19937 rng(12345);
    NCRYPT_PROV_HANDLE p = 0;
    int failures = 0, order_counts[4] = {0, 0, 0, 0};
    std::optional<CycleHandles> deferred;  // keys that outlive the provider handle that made them
    for (int cycle = 0; cycle < kCycles; ++cycle) {
      const FreeOrder order = vary ? static_cast<FreeOrder>(cycle % 4) : FreeOrder::creation;
      if (cycle % kCyclesPerProvider == 0) {
        if (p != 0) {
          ASSERT_EQ(SslFreeObject(p, 0), ERROR_SUCCESS);
        }
        ASSERT_EQ(SslOpenProvider(&p, nullptr, 0), ERROR_SUCCESS) << test::last_error();
        if (deferred) {
          free_in_order(*deferred, order, rng);
          deferred.reset();
        }
      }
      CycleHandles handles;
      try {
        handles = run_cycle(p, cycle);
      } catch (const std::exception& e) {
        if (failures++ < 3) ADD_FAILURE() << "cycle " << cycle << ": " << e.what();
        continue;
      }
      ++order_counts[static_cast<int>(order)];
      const bool last_of_provider = (cycle + 1) % kCyclesPerProvider == 0 && cycle + 1 < kCycles;
      if (vary && last_of_provider) {
        deferred = std::move(handles);
      } else {
        free_in_order(handles, order, rng);
      }
    }
    if (p != 0) {
      EXPECT_EQ(SslFreeObject(p, 0), ERROR_SUCCESS);
    }
    const std::size_t objects_after = count_token_objects(anchor_->get());
    const std::size_t handles_after = abi::HandleTable::instance().size();
    std::cout << "[leak] token=" << spec().name << (vary ? " varied free orders" : " creation order") << ": " << kCycles
              << " cycles (" << failures << " failed); objects " << objects_before << " -> " << objects_after
              << ", handles " << handles_before << " -> " << handles_after;
    if (vary) {
      std::cout << "; frees:";
      for (int i = 0; i < 4; ++i) std::cout << " " << order_name(static_cast<FreeOrder>(i)) << " " << order_counts[i];
    }
    std::cout << std::endl;
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(objects_after, objects_before) << "token objects leaked";
    EXPECT_EQ(handles_after, handles_before) << "handles leaked";
  }

  std::unique_ptr<ProviderHandle> anchor_;
  std::unique_ptr<ServerRsaKey> server_;
  std::vector<const SuiteFacts*> ecdhe_, ecdhe384_, rsa_;
  Pkey peer_rsa_;
};

TEST_P(ObjectLeak, CyclesLeaveNoObjectsBehind) { run(false); }

TEST_P(ObjectLeak, CyclesWithHandlesFreedInOtherOrders) { run(true); }

INSTANTIATE_TEST_SUITE_P(Tokens, ObjectLeak, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::coretest
