// Known-answer tests of the TLS 1.2 PRF and key schedule
// (src/core/composed_prf.cpp, composed_schedule.cpp, native_schedule.cpp):
//  * NIST CAVP SP 800-135 TLS 1.2 KDF vectors, SHA-256 and SHA-384, COUNT 0
//    (pkcs11-tls-mechanisms.md §6.2), and the IETF TLS-WG P_SHA256 / P_SHA384
//    vectors (§6.1);
//  * every vector is first recomputed with OpenSSL, so a typo in the copy
//    here fails on its own and not as a token bug;
//  * then the token: composed_prf on a secret object (both tokens), the raw
//    CKM_TLS12_* mechanisms where the token has them (NSS), and sslp11's own
//    KeySchedule (whichever path the token uses) for every offered suite.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "core/composed_prf.h"
#include "abi/handle_table.h"
#include "core/key_schedule.h"
#include "core/keys.h"
#include "core/support/key_checks.h"
#include "core/support/ssl_calls.h"
#include "pkcs11/attributes.h"
#include "pkcs11/object.h"
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

struct CavpVector {
  const char* name;
  Hash prf;
  Bytes pre_master, server_hello_random, client_hello_random, server_random, client_random, master, key_block;
};

// [TLS 1.2, SHA-256] and [TLS 1.2, SHA-384], COUNT = 0.
const std::vector<CavpVector>& cavp_vectors() {
  static const std::vector<CavpVector> v{
      {"CAVP TLS 1.2 SHA-256 COUNT 0", Hash::sha256,
       from_hex("f8938ecc9edebc5030c0c6a441e213cd24e6f770a50dda07876f8d55da062bcadb386b411fd4fe4313a604fce6c17fbc"),
       from_hex("f6c9575ed7ddd73e1f7d16eca115415812a43c2b747daaaae043abfb50053fce"),
       from_hex("36c129d01a3200894b9179faac589d9835d58775f9b5ea3587cb8fd0364cae8c"),
       from_hex("ae6c806f8ad4d80784549dff28a4b58fd837681a51d928c3e30ee5ff14f39868"),
       from_hex("62e1fd91f23f558a605f28478c58cf72637b89784d959df7e946d3f07bd1b616"),
       from_hex("202c88c00f84a17a20027079604787461176455539e705be730890602c289a5001e34eeb3a043e5d52a65e66125188bf"),
       from_hex("d06139889fffac1e3a71865f504aa5d0d2a2e89506c6f2279b670c3e1b74f531016a2530c51a3a0f7e1d6590d0f0566b"
                "2f387f8d11fd4f731cdd572d2eae927f6f2f81410b25e6960be68985add6c38445ad9f8c64bf8068bf9a6679485d966f"
                "1ad6f68b43495b10a683755ea2b858d70ccac7ec8b053c6bd41ca299d4e51928")},
      {"CAVP TLS 1.2 SHA-384 COUNT 0", Hash::sha384,
       from_hex("a5e2642633f5b8c81ad3fe0c2fe3a8e5ef806b06121dd10df4bb0fe857bfdcf522558e05d2682c9a80c741a3aab1716f"),
       from_hex("cb6e0b3eb02976b6466dfa9651c2919414f1648fd3a7838d02153e5bd39535b6"),
       from_hex("abe4bf5527429ac8eb13574d2709e8012bd1a113c6d3b1d3aa2c3840518778ac"),
       from_hex("1b1c8568344a65c30828e7483c0e353e2c68641c9551efae6927d9cd627a107c"),
       from_hex("954b5fe1849c2ede177438261f099a2fcd884d001b9fe1de754364b1f6a6dd8e"),
       from_hex("b4d49bfa87747fe815457bc3da15073d6ac73389e703079a3503c09e14bd559a5b3c7c601c7365f6ea8c68d3d9596827"),
       from_hex("10fd89ef689c7ef033387b8a8f3e5e8e7c11f680f6bdd71fbac3246a73e98d45d03185dde686e6b2369e4503e9dc5a6d"
                "2cee3e2bf2fa3f41d3de57dff3e197c8a9d5f74cc2d277119d894f8584b07a0a5822f0bd68b3433ec6adaf5c9406c5f3"
                "ddbb71bbe17ce98f3d4d5893d3179ef369f57aad908e2bf710639100c3ce7e0c")},
  };
  return v;
}

struct IetfVector {
  const char* name;
  Hash prf;
  Bytes secret, seed, output;
};

// P_hash(secret, "test label" || seed).
const std::vector<IetfVector>& ietf_vectors() {
  static const std::vector<IetfVector> v{
      {"IETF TLS-WG P_SHA256", Hash::sha256, from_hex("9bbe436ba940f017b17652849a71db35"),
       from_hex("a0ba9f936cda311827a6f796ffd5198c"),
       from_hex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af"
                "0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                "87347b66")},
      {"IETF TLS-WG P_SHA384", Hash::sha384, from_hex("b80b733d6ceefcdc71566ea48e5567df"),
       from_hex("cd665cf6a8447dd6ff8b27555edb7465"),
       from_hex("7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0"
                "e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
                "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e099070"
                "3d73e56f")},
  };
  return v;
}

constexpr std::string_view kTestLabel = "test label";

CK_MECHANISM_TYPE hmac_mech(Hash h) { return h == Hash::sha384 ? CKM_SHA384_HMAC : CKM_SHA256_HMAC; }
CK_MECHANISM_TYPE hash_mech(Hash h) { return h == Hash::sha384 ? CKM_SHA384 : CKM_SHA256; }

// ---- the vectors against OpenSSL (no token) ----

TEST(PrfVectors, OpenSslReproducesTheCavpVectors) {
  for (const auto& v : cavp_vectors()) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(
        hex(tls12_prf(v.prf, v.pre_master, "master secret", concat(v.client_hello_random, v.server_hello_random), 48)),
        hex(v.master));
    EXPECT_EQ(
        hex(tls12_prf(v.prf, v.master, "key expansion", concat(v.server_random, v.client_random), v.key_block.size())),
        hex(v.key_block));
  }
}

TEST(PrfVectors, OpenSslReproducesTheIetfVectors) {
  for (const auto& v : ietf_vectors()) {
    SCOPED_TRACE(v.name);
    EXPECT_EQ(hex(tls12_prf(v.prf, v.secret, kTestLabel, v.seed, v.output.size())), hex(v.output));
  }
}

// ---- on the tokens ----

class PrfVectorsOnToken : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    provider_ = std::make_unique<ProviderHandle>(spec());
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
    auto entry = abi::HandleTable::instance().find(provider_->get());
    ASSERT_TRUE(entry && entry->kind == abi::HandleKind::provider);
    token_ = entry->as<const core::Provider>().token();
    pool_ = token_->pool();
  }
  void TearDown() override {
    token_.reset();
    pool_.reset();
    provider_.reset();
  }
  const TokenSpec& spec() const { return GetParam(); }

  // A session secret holding `value`, usable as an HMAC key and a derive base.
  p11::Object secret_object(ByteView value, bool sensitive) {
    return pool_->run([&](p11::Lease& l) {
      p11::AttributeTemplate t;
      t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
          .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
          .add_bool(CKA_TOKEN, false)
          .add_bool(CKA_SENSITIVE, sensitive)
          .add_bool(CKA_EXTRACTABLE, !sensitive)
          .add_bool(CKA_SIGN, true)
          .add_bool(CKA_DERIVE, true)
          .add_bytes(CKA_VALUE, value);
      return p11::Object(pool_, l, l.api().C_CreateObject(l.handle(), t.span()));
    });
  }

  Bytes run_composed_prf(const p11::Object& secret, Hash h, std::string_view label, ByteView seed, std::size_t n) {
    Bytes out(n);
    pool_->run([&](p11::Lease& l) {
      core::composed_prf(l, hmac_mech(h), hash_bytes(h), secret.handle(), label, seed, out);
      return 0;
    });
    return out;
  }

  CK_ULONG min_hmac_key_bytes(Hash h) {
    return pool_->api().C_GetMechanismInfo(pool_->slot(), hmac_mech(h)).ulMinKeySize;
  }

  bool token_has(CK_MECHANISM_TYPE m) {
    for (CK_MECHANISM_TYPE x : pool_->api().C_GetMechanismList(pool_->slot()))
      if (x == m) return true;
    return false;
  }

  std::unique_ptr<ProviderHandle> provider_;
  std::shared_ptr<core::TokenContext> token_;
  std::shared_ptr<p11::SessionPool> pool_;
};

// composed_prf with the pre-master (then the master) as the HMAC key yields
// the vector's master secret and key block byte for byte.
TEST_P(PrfVectorsOnToken, ComposedPrfReproducesTheCavpVectors) {
  for (const auto& v : cavp_vectors()) {
    SCOPED_TRACE(v.name);
    const p11::Object pms = secret_object(v.pre_master, true);
    EXPECT_EQ(
        hex(run_composed_prf(pms, v.prf, "master secret", concat(v.client_hello_random, v.server_hello_random), 48)),
        hex(v.master));
    const p11::Object master = secret_object(v.master, true);
    EXPECT_EQ(hex(run_composed_prf(master, v.prf, "key expansion", concat(v.server_random, v.client_random),
                                   v.key_block.size())),
              hex(v.key_block));
    // Lengths that end inside an HMAC block, and a single byte.
    for (std::size_t n : {1u, 47u, 49u, 100u}) {
      EXPECT_EQ(hex(run_composed_prf(master, v.prf, "key expansion", concat(v.server_random, v.client_random), n)),
                hex(ByteView(v.key_block).first(n)))
          << n << " bytes";
    }
  }
}

// The IETF secrets are 16 bytes. HMAC zero-pads keys shorter than the hash
// block (RFC 2104 §2), so K and K || 00...00 (up to the block size) are the
// same HMAC key: the padded form runs the vector on tokens whose HMAC refuses
// short keys (SoftHSMv2 wants >= 32 bytes for SHA-256, >= 48 for SHA-384). On
// tokens without that limit the raw 16-byte key must give the vector too.
TEST_P(PrfVectorsOnToken, ComposedPrfReproducesTheIetfVectors) {
  for (const auto& v : ietf_vectors()) {
    SCOPED_TRACE(v.name);
    const CK_ULONG min = min_hmac_key_bytes(v.prf);
    Bytes padded = v.secret;
    padded.resize(std::max<std::size_t>(v.secret.size(), min), 0x00);
    const p11::Object key = secret_object(padded, true);
    EXPECT_EQ(hex(run_composed_prf(key, v.prf, kTestLabel, v.seed, v.output.size())), hex(v.output))
        << "with the secret zero-padded to " << padded.size() << " bytes";

    const p11::Object raw = secret_object(v.secret, true);
    if (min <= v.secret.size()) {
      EXPECT_EQ(hex(run_composed_prf(raw, v.prf, kTestLabel, v.seed, v.output.size())), hex(v.output))
          << "with the raw 16-byte secret";
    } else {
      // Documents the token limit the composed path lives with.
      try {
        run_composed_prf(raw, v.prf, kTestLabel, v.seed, v.output.size());
        ADD_FAILURE() << spec().name << " advertises a " << min << "-byte HMAC minimum but accepted a 16-byte key";
      } catch (const p11::Error& e) {
        EXPECT_EQ(e.rv(), static_cast<CK_RV>(CKR_KEY_SIZE_RANGE)) << e.what();
      }
      std::cout << "[prf] token=" << spec().name << " " << v.name << ": raw 16-byte secret refused (HMAC minimum "
                << min << " bytes); vector checked with the zero-padded key" << std::endl;
    }
  }
}

// The token's own TLS 1.2 mechanisms on the vector (NSS softoken). The master
// is made non-sensitive here (a test object, not one of sslp11's) so it can be
// compared directly. The key block is split as MAC 32 + key 16 + IV 16 per
// direction = 128 bytes, the whole vector: the IV buffers receive bytes
// 96..127 in clear, the keys are recognised through AES-CBC and HMAC.
// Only tokens with the CKM_TLS12_* mechanisms (the native path) have a native
// path to test; the suite is instantiated for those tokens alone.
class NativePrfVectorsOnToken : public PrfVectorsOnToken {};

TEST_P(NativePrfVectorsOnToken, NativeMechanismsReproduceTheCavpVectors) {
  ASSERT_TRUE(token_has(CKM_TLS12_MASTER_KEY_DERIVE) && token_has(CKM_TLS12_KEY_AND_MAC_DERIVE))
      << spec().name << " is listed as a native token but lacks the CKM_TLS12_* mechanisms";
  for (const auto& v : cavp_vectors()) {
    SCOPED_TRACE(v.name);
    const p11::Object pms = secret_object(v.pre_master, false);
    pool_->run([&](p11::Lease& l) {
      CK_VERSION version{3, 3};
      Bytes chr = v.client_hello_random, shr = v.server_hello_random;
      CK_TLS12_MASTER_KEY_DERIVE_PARAMS mp{
          {chr.data(), chr.size(), shr.data(), shr.size()}, &version, hash_mech(v.prf)};
      CK_MECHANISM m{CKM_TLS12_MASTER_KEY_DERIVE, &mp, sizeof mp};
      p11::AttributeTemplate mt;
      mt.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
          .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
          .add_ulong(CKA_VALUE_LEN, 48)
          .add_bool(CKA_TOKEN, false)
          .add_bool(CKA_DERIVE, true)
          .add_bool(CKA_SENSITIVE, false)
          .add_bool(CKA_EXTRACTABLE, true);
      CK_OBJECT_HANDLE mh = CK_INVALID_HANDLE;
      l.api().C_DeriveKey(l.handle(), m, pms.handle(), mt.span(), &mh);
      const p11::Object master(pool_, l, mh);
      const auto value = p11::read_bytes(l.api(), l.handle(), mh, CKA_VALUE);
      if (!value) {
        ADD_FAILURE() << "the non-sensitive master is unreadable";
        return 0;
      }
      EXPECT_EQ(hex(*value), hex(v.master));
      const bool version_hidden = version.major == 0xff && version.minor == 0xff;
      EXPECT_TRUE(version_hidden || (version.major == v.pre_master[0] && version.minor == v.pre_master[1]))
          << "pVersion " << int(version.major) << "." << int(version.minor);

      Bytes iv_client(16), iv_server(16), cr = v.client_random, sr = v.server_random;
      CK_SSL3_KEY_MAT_OUT out{CK_INVALID_HANDLE, CK_INVALID_HANDLE, CK_INVALID_HANDLE,
                              CK_INVALID_HANDLE, iv_client.data(),  iv_server.data()};
      CK_TLS12_KEY_MAT_PARAMS kp{
          256, 128, 128, CK_FALSE, {cr.data(), cr.size(), sr.data(), sr.size()}, &out, hash_mech(v.prf)};
      CK_MECHANISM km{CKM_TLS12_KEY_AND_MAC_DERIVE, &kp, sizeof kp};
      p11::AttributeTemplate kt;
      kt.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
          .add_ulong(CKA_KEY_TYPE, CKK_AES)
          .add_ulong(CKA_VALUE_LEN, 16)
          .add_bool(CKA_TOKEN, false)
          .add_bool(CKA_ENCRYPT, true);
      l.api().C_DeriveKey(l.handle(), km, mh, kt.span(), nullptr);
      const p11::Object cmac(pool_, l, out.hClientMacSecret), smac(pool_, l, out.hServerMacSecret),
          ckey(pool_, l, out.hClientKey), skey(pool_, l, out.hServerKey);

      const ByteView kb = v.key_block;
      auto part = [&](std::size_t at, std::size_t n) { return Bytes(kb.begin() + at, kb.begin() + at + n); };
      const SuiteFacts split{0, "MAC 32 + key 16 + IV 16", Exchange::rsa, Cipher::aes_cbc, 16, 16, Hash::sha256, v.prf};
      const DirectionKeys client{part(0, 32), part(64, 16), part(96, 16)};
      const DirectionKeys server{part(32, 32), part(80, 16), part(112, 16)};
      const KeyComparison c = compare_key_objects(l, ckey.handle(), cmac.handle(), iv_client, split, client);
      const KeyComparison s = compare_key_objects(l, skey.handle(), smac.handle(), iv_server, split, server);
      EXPECT_TRUE(c.all()) << "client:" << c.detail;
      EXPECT_TRUE(s.all()) << "server:" << s.detail;
      return 0;
    });
  }
}

// sslp11's key schedule (native or composed, whichever the token runs) on
// the vector's pre-master, for every offered suite with the vector's PRF
// hash: the keys must be the vector's key block split for that suite. Key
// blocks longer than the vector's 128 bytes continue with OpenSSL's PRF, whose
// first 128 bytes OpenSslReproducesTheCavpVectors ties to the vector.
TEST_P(PrfVectorsOnToken, KeyScheduleReproducesTheCavpVectors) {
  int checked = 0;
  for (const auto& v : cavp_vectors()) {
    for (const core::CipherSuite* suite : token_->suites()) {
      const SuiteFacts* facts = find_suite_facts(suite->id);
      ASSERT_NE(facts, nullptr) << suite->name;
      if (facts->prf != v.prf) continue;
      SCOPED_TRACE(std::string(v.name) + ", " + std::string(facts->name));
      const p11::Object pms = secret_object(v.pre_master, true);
      core::MasterInput in;
      std::copy(v.client_hello_random.begin(), v.client_hello_random.end(), in.client_random.begin());
      std::copy(v.server_hello_random.begin(), v.server_hello_random.end(), in.server_random.begin());
      in.rsa_premaster = facts->exchange == Exchange::rsa;
      in.premaster_bytes = v.pre_master.size();
      core::Random cr{}, sr{};
      std::copy(v.client_random.begin(), v.client_random.end(), cr.begin());
      std::copy(v.server_random.begin(), v.server_random.end(), sr.begin());
      try {
        core::MasterResult master = token_->schedule().derive_master(pool_, pms, *suite, in);
        if (in.rsa_premaster && master.premaster_version) {
          const CK_VERSION ver = *master.premaster_version;
          EXPECT_TRUE((ver.major == 0xff && ver.minor == 0xff) ||
                      (ver.major == v.pre_master[0] && ver.minor == v.pre_master[1]));
        }
        core::KeyBlock block = token_->schedule().derive_key_block(pool_, master.secret, *suite, cr, sr);
        const ExpectedKeys want = expected_keys(*facts, v.master, v.client_random, v.server_random);
        pool_->run([&](p11::Lease& l) {
          const KeyComparison c = compare_key_objects(l, block.client_key.handle(), block.client_mac.handle(),
                                                      block.client_iv.span(), *facts, want.client);
          const KeyComparison s = compare_key_objects(l, block.server_key.handle(), block.server_mac.handle(),
                                                      block.server_iv.span(), *facts, want.server);
          EXPECT_TRUE(c.all()) << "client:" << c.detail;
          EXPECT_TRUE(s.all()) << "server:" << s.detail;
          EXPECT_TRUE(secret_is_protected(l, master.secret.handle(), "master secret"));
          return 0;
        });
        ++checked;
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
  std::cout << "[prf] token=" << spec().name << ": CAVP vectors through sslp11's " << spec().expected_path
            << " key schedule for " << checked << " (vector, suite) pairs" << std::endl;
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Tokens, PrfVectorsOnToken, ::testing::ValuesIn(TestTokens::all()), TokenName{});

INSTANTIATE_TEST_SUITE_P(Tokens, NativePrfVectorsOnToken, ::testing::ValuesIn(TestTokens::where(TestTokens::is_native)), TokenName{});

}  // namespace
}  // namespace sslp11::coretest
