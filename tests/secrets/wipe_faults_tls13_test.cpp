// The composed TLS 1.3 key schedule under faults (wipe_faults_test.cpp's
// TLS 1.3 counterpart): with a failing token call injected at each step, and
// on the clean run, no host buffer that held key material is freed without
// being wiped, and every token object the run made is gone once its handles
// are freed (but for the one object whose C_DestroyObject the token refused).
//
// SoftHSMv2 (the composed path: HMAC by C_Sign, every HKDF output through a
// host buffer into C_CreateObject, the (EC)DHE secret read once) is routed
// through tests/faults' fault shim and, behind it, the recording shim (for
// the sessions it sees, which restart_sessions closes). One run is the
// 1-RTT schedule of a TLS 1.3 server through the Ssl* API, as far as it
// gets: its own P-256 key share and the peer's (OpenSSL's), the transcript
// hash handle, early, handshake (ECDHE) and master secrets, both handshake
// and both application traffic secrets, their four write keys, both
// Finished and the exporter master secret; then every handle freed. For each
// token function the schedule calls, its k-th call answers CKR_DEVICE_ERROR,
// for k = 0, 1, ... until a run completes with the fault never reached
// (CKR_FUNCTION_FAILED as well for C_Sign and C_CreateObject). The
// freed-memory quarantine (support/freed_memory.h) keeps every block freed
// meanwhile.
//
// Afterwards OpenSSL recomputes the run's secrets from the peer's private key
// and our exported share, whenever the run got that far: the (EC)DHE secret,
// the handshake secret, the second "derived" salt, the master secret, the
// four traffic secrets, both finished keys, the four write keys and the
// exporter master. No freed block may hold any of them. (The early secret
// and the first "derived" salt are constants of SHA-256 -- RFC 8448 prints
// them -- and the test's own copies from earlier runs may sit in reused
// blocks: they are not searched for.) The IVs are the caller's by design.
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/support/key_checks.h"
#include "core/support/ssl_calls.h"
#include "faults/support/fault_kit.h"
#include "log/logger.h"
#include "pkcs11/module.h"
#include "pkcs11/session_pool.h"
#include "secrets/support/freed_memory.h"
#include "secrets/support/object_records.h"
#include "secrets/support/secret_patterns.h"
#include "secrets/support/stepped_schedules.h"
#include "support/oracle/cng_blobs.h"
#include "support/oracle/digests.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls13_kdf.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::secretstest {
namespace {

using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

constexpr DWORD kSuite = 0x1301;  // TLS_AES_128_GCM_SHA256
constexpr oracle::Hash kHash = oracle::Hash::sha256;
constexpr std::size_t kHashBytes = 32;

// The functions the composed TLS 1.3 schedule calls on the token.
constexpr const char* kFunctions[] = {"C_GenerateKeyPair", "C_GetAttributeValue", "C_DeriveKey",
                                      "C_CreateObject",    "C_SignInit",          "C_Sign",
                                      "C_DigestInit",      "C_Digest",            "C_DestroyObject"};
constexpr unsigned long kSlack = 4;  // k past the clean count before giving up

bool composed(const TokenSpec& t) { return !TestTokens::is_native(t); }
std::string rv_text(CK_RV rv) { return rv == CKR_DEVICE_ERROR ? "CKR_DEVICE_ERROR" : "CKR_FUNCTION_FAILED"; }

// The handshake messages (public; their content does not matter).
struct Messages {
  Bytes hello = oracle::random_bytes(300);                // ClientHello..ServerHello
  Bytes to_certificate_verify = oracle::random_bytes(900);  // EncryptedExtensions..CertificateVerify
  Bytes server_finished = oracle::random_bytes(36);
};

// One run's handles, in the order they are made, and what the peer learns.
struct Tls13Run {
  enum : std::size_t { own, peer_public, early, hs, c_hs, s_hs, c_hs_key, s_hs_key, master, c_ap, s_ap, c_ap_key,
                       s_ap_key, exporter, count };
  std::array<NCRYPT_KEY_HANDLE, count> keys{};
  NCRYPT_HASH_HANDLE th = 0;
  Bytes own_point;  // once exported

  void free_all(Calls& c) {
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
      if (*it != 0) c.unchecked("SslFreeObject", [&] { return SslFreeObject(*it, 0); });
      *it = 0;
    }
    if (th != 0) c.unchecked("SslFreeObject", [&] { return SslFreeObject(th, 0); });
    th = 0;
  }
};

// The schedule through the API; false at the first failure.
bool schedule(Calls& c, Tls13Run& r, const oracle::CurveFacts& curve, ByteView peer_point, const Messages& m) {
  const NCRYPT_PROV_HANDLE p = c.p();
  auto hash = [&](const Bytes& b) {
    return c("SslHashHandshake", [&] {
      return SslHashHandshake(p, r.th, const_cast<PBYTE>(b.data()), static_cast<DWORD>(b.size()), 0);
    });
  };
  std::array<std::uint8_t, kHashBytes> vd{};
  Bytes peer_blob = oracle::ecc_public_blob(curve, peer_point);
  Bytes blob(256);
  DWORD n = 0;
  const bool ok =
      c("SslCreateEphemeralKey", [&] {
        return SslCreateEphemeralKey(p, &r.keys[Tls13Run::own], TLS1_3_PROTOCOL_VERSION, kSuite, curve.group, 0, nullptr,
                                     0, 0);
      }) &&
      c("SslExportKey", [&] {
        return SslExportKey(p, r.keys[Tls13Run::own], BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()),
                            &n, 0);
      }) &&
      (r.own_point = oracle::ecc_point_from_blob(curve, ByteView(blob).first(n)), true) &&
      c("SslImportKey", [&] {
        return SslImportKey(p, &r.keys[Tls13Run::peer_public], BCRYPT_ECCPUBLIC_BLOB, peer_blob.data(),
                            static_cast<DWORD>(peer_blob.size()), 0);
      }) &&
      c("SslCreateHandshakeHash",
        [&] { return SslCreateHandshakeHash(p, &r.th, TLS1_3_PROTOCOL_VERSION, kSuite, 0); }) &&
      hash(m.hello) &&
      c("SslExtractEarlyKey", [&] {
        return SslExtractEarlyKey(p, 0, &r.keys[Tls13Run::early], TLS1_3_PROTOCOL_VERSION, kSuite, nullptr, 0);
      }) &&
      c("SslExtractHandshakeKey", [&] {
        return SslExtractHandshakeKey(p, r.keys[Tls13Run::own], r.keys[Tls13Run::peer_public], r.keys[Tls13Run::early],
                                      &r.keys[Tls13Run::hs], nullptr, 0);
      }) &&
      c("SslExpandTrafficKeys (handshake)", [&] {
        return SslExpandTrafficKeys(p, r.keys[Tls13Run::hs], r.th, &r.keys[Tls13Run::c_hs], &r.keys[Tls13Run::s_hs], nullptr, 0);
      }) &&
      c("SslExpandWriteKey (client handshake)",
        [&] { return SslExpandWriteKey(p, r.keys[Tls13Run::c_hs], &r.keys[Tls13Run::c_hs_key], nullptr, 0); }) &&
      c("SslExpandWriteKey (server handshake)",
        [&] { return SslExpandWriteKey(p, r.keys[Tls13Run::s_hs], &r.keys[Tls13Run::s_hs_key], nullptr, 0); }) &&
      hash(m.to_certificate_verify) &&
      c("SslComputeFinishedHash (server)",
        [&] { return SslComputeFinishedHash(p, r.keys[Tls13Run::s_hs], r.th, vd.data(), kHashBytes, 0); }) &&
      hash(m.server_finished) &&
      c("SslExtractMasterKey",
        [&] { return SslExtractMasterKey(p, r.keys[Tls13Run::hs], &r.keys[Tls13Run::master], nullptr, 0); }) &&
      c("SslExpandTrafficKeys (application)", [&] {
        return SslExpandTrafficKeys(p, r.keys[Tls13Run::master], r.th, &r.keys[Tls13Run::c_ap], &r.keys[Tls13Run::s_ap], nullptr, 0);
      }) &&
      c("SslExpandWriteKey (client application)",
        [&] { return SslExpandWriteKey(p, r.keys[Tls13Run::c_ap], &r.keys[Tls13Run::c_ap_key], nullptr, 0); }) &&
      c("SslExpandWriteKey (server application)",
        [&] { return SslExpandWriteKey(p, r.keys[Tls13Run::s_ap], &r.keys[Tls13Run::s_ap_key], nullptr, 0); }) &&
      c("SslComputeFinishedHash (client)",
        [&] { return SslComputeFinishedHash(p, r.keys[Tls13Run::c_hs], r.th, vd.data(), kHashBytes, 0); }) &&
      c("SslExpandExporterMasterKey", [&] {
        return SslExpandExporterMasterKey(p, r.keys[Tls13Run::master], r.th, &r.keys[Tls13Run::exporter], nullptr, 0);
      });
  return ok;
}

// OpenSSL's copies of the run's secrets (none before our share was exported).
void learn(const Tls13Run& r, EVP_PKEY* peer, const oracle::CurveFacts& curve, const Messages& m, SecretSet& out) {
  if (r.own_point.empty()) return;
  const oracle::Pkey own = oracle::ec_public_from_point(curve, r.own_point);
  Bytes z = oracle::ecdh(peer, own.get());
  Bytes transcript = m.hello;
  const Bytes th1 = oracle::digest(kHash, transcript);
  transcript.insert(transcript.end(), m.to_certificate_verify.begin(), m.to_certificate_verify.end());
  transcript.insert(transcript.end(), m.server_finished.begin(), m.server_finished.end());
  const Bytes th3 = oracle::digest(kHash, transcript);
  const Bytes empty = oracle::digest(kHash, {});
  const Bytes early = oracle::tls13_extract(kHash, std::nullopt, std::nullopt);
  Bytes hs = oracle::tls13_extract(kHash, early, z);
  Bytes master = oracle::tls13_extract(kHash, hs, std::nullopt);
  std::vector<std::pair<std::string, Bytes>> s;
  s.emplace_back("(EC)DHE secret", z);
  s.emplace_back("handshake secret", hs);
  s.emplace_back("second derived salt", oracle::tls13_derive_secret(kHash, hs, "derived", empty));
  s.emplace_back("master secret", master);
  std::pair<const char*, Bytes> traffic[] = {
      {"client handshake traffic", oracle::tls13_derive_secret(kHash, hs, "c hs traffic", th1)},
      {"server handshake traffic", oracle::tls13_derive_secret(kHash, hs, "s hs traffic", th1)},
      {"client application traffic", oracle::tls13_derive_secret(kHash, master, "c ap traffic", th3)},
      {"server application traffic", oracle::tls13_derive_secret(kHash, master, "s ap traffic", th3)}};
  for (auto& [name, secret] : traffic) {
    s.emplace_back(std::string(name) + " secret", secret);
    s.emplace_back(std::string(name) + " write key", oracle::tls13_expand_label(kHash, secret, "key", {}, 16));
    s.emplace_back(std::string(name) + " finished key",
                   oracle::tls13_expand_label(kHash, secret, "finished", {}, kHashBytes));
    OPENSSL_cleanse(secret.data(), secret.size());
  }
  s.emplace_back("exporter master secret", oracle::tls13_derive_secret(kHash, master, "exp master", th3));
  for (auto& [name, bytes] : s) {
    out.add("tls13 " + name, bytes);
    OPENSSL_cleanse(bytes.data(), bytes.size());
  }
  for (Bytes* b : {&z, &hs, &master}) OPENSSL_cleanse(b->data(), b->size());
}

struct Outcome {
  bool triggered = false, completed = false, overflowed = false;
  std::string failed_call, failure;
  std::size_t secrets = 0;
  std::vector<FreedMemory::Hit> hits;
  long objects_left = 0;  // token objects after the run minus before
};

class Tls13WipeUnderFaults : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    setenv("SSLP11_LOG_LEVEL", "error", 1);  // hundreds of runs fail on purpose
    log::reset_for_tests();
    spec_ = faults::through_shim(through_recorder(GetParam()));
    provider_ = std::make_unique<ProviderHandle>(spec_, "", "wipe-faults-tls13");
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
    module_ = p11::Module::load(spec_.module_path, spec_.init_args);
    anchor_ = module_->api().C_OpenSession(coretest::pool_of(p())->slot(), CKF_SERIAL_SESSION);
    peer_ = oracle::ec_generate(curve());
    peer_point_ = oracle::ec_public_point(peer_.get());
  }
  void TearDown() override {
    faults::clear_faults();
    if (anchor_ != CK_INVALID_HANDLE) module_->api().C_CloseSession(anchor_);
    module_.reset();
    provider_.reset();
    unsetenv("SSLP11_LOG_LEVEL");
    log::reset_for_tests();
  }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }
  static const oracle::CurveFacts& curve() { return oracle::p256(); }

  // Every object the anchor session sees (the application's session and token objects).
  long objects() const {
    const auto& api = module_->api();
    CK_FUNCTION_LIST* fl = api.functions();
    long n = 0;
    std::array<CK_OBJECT_HANDLE, 256> batch{};
    CK_ULONG got = 0;
    if (fl->C_FindObjectsInit(anchor_, nullptr, 0) != CKR_OK) return -1;
    do {
      if (fl->C_FindObjects(anchor_, batch.data(), batch.size(), &got) != CKR_OK) break;
      n += static_cast<long>(got);
    } while (got == batch.size());
    fl->C_FindObjectsFinal(anchor_);
    return n;
  }

  Outcome run_once(const char* function, CK_RV rv, unsigned long k) {
    Outcome out;
    faults::clear_faults();
    const long objects_before = objects();
    const unsigned long before = function != nullptr ? faults::calls(function) : 0;
    if (function != nullptr) faults::inject(function, rv, k, 1);
    Tls13Run r;
    Calls c(p());
    c.prefix = "tls13-server: ";
    FreedMemory::arm();
    out.completed = schedule(c, r, curve(), peer_point_, messages_);
    r.free_all(c);
    FreedMemory::disarm();
    faults::clear_faults();
    if (function != nullptr) out.triggered = faults::calls(function) - before > k;
    out.failed_call = c.failed_call();
    out.failure = c.failure();
    SecretSet secrets;
    learn(r, peer_.get(), curve(), messages_, secrets);
    out.secrets = secrets.size();
    out.overflowed = FreedMemory::overflowed();
    out.hits = FreedMemory::search(secrets);
    FreedMemory::release();
    out.objects_left = objects() - objects_before;
    // A C_DestroyObject the token refused left its object in a pool session:
    // close those sessions too, so the next run starts from a clean token.
    if (out.triggered && (terminates_an_operation(function) || std::string_view(function) == "C_DestroyObject")) {
      restart_sessions();
    }
    return out;
  }

  // As in wipe_faults_test.cpp: the shim answers a faulty C_Sign / C_Digest
  // itself, leaving the real token's operation active in a session sslp11
  // gives back to its pool. Close the sessions behind the provider's back
  // and make it recover now, outside the next run, with one clean schedule
  // (which also makes the per-token zeros object again: it lived in one of
  // those sessions).
  static bool terminates_an_operation(const char* f) {
    return f != nullptr && (std::string_view(f) == "C_Sign" || std::string_view(f) == "C_Digest");
  }
  void restart_sessions() {
    for (CK_SESSION_HANDLE s : recorder::sessions())
      if (s != anchor_) module_->api().C_CloseSession(s);
    warm_up();
  }
  void warm_up() {
    Tls13Run r;
    Calls c(p());
    ASSERT_TRUE(schedule(c, r, curve(), peer_point_, messages_)) << "no recovery: " << c.failure();
    r.free_all(c);
  }

  void sweep(const std::vector<CK_RV>& codes, const std::vector<std::string>& only = {}) {
    warm_up();  // the zeros object exists from here on, as in steady state
    std::map<std::string, unsigned long> clean_calls;
    for (const char* f : kFunctions) clean_calls[f] = faults::calls(f);
    const Outcome clean = run_once(nullptr, CKR_OK, 0);
    ASSERT_TRUE(clean.completed) << "the schedule fails without any fault: " << clean.failure;
    EXPECT_GE(clean.secrets, 10u);
    EXPECT_TRUE(clean.hits.empty() && !clean.overflowed) << "no fault: freed without wiping:" << describe(clean.hits);
    EXPECT_EQ(clean.objects_left, 0) << "no fault: token objects left behind";
    for (const char* f : kFunctions) clean_calls[f] = faults::calls(f) - clean_calls[f];

    int runs = 0, failed_runs = 0;
    for (const CK_RV rv : codes) {
      for (const char* f : kFunctions) {
        if (!only.empty() && std::find(only.begin(), only.end(), f) == only.end()) continue;
        const unsigned long n = clean_calls[f];
        if (n == 0) continue;
        bool finished = false;
        std::map<std::string, int> failed_at;
        for (unsigned long k = 0; k <= n + kSlack && !finished; ++k) {
          const Outcome o = run_once(f, rv, k);
          ++runs;
          const std::string what = std::string(f) + " call #" + std::to_string(k) + " -> " + rv_text(rv);
          EXPECT_FALSE(o.overflowed) << what << ": the quarantine overflowed";
          EXPECT_TRUE(o.hits.empty()) << what << " (the run " << (o.completed ? "completed" : "failed at " + o.failure)
                                      << "): freed without wiping:" << describe(o.hits);
          // A refused C_DestroyObject leaves that one object (the shim never
          // forwards it); every other failure must leave none.
          const long allowed = std::string_view(f) == "C_DestroyObject" && o.triggered ? 1 : 0;
          EXPECT_TRUE(o.objects_left >= 0 && o.objects_left <= allowed)
              << what << " (the run " << (o.completed ? "completed" : "failed at " + o.failure)
              << "): " << o.objects_left << " token objects left behind (" << allowed << " allowed)";
          if (!o.triggered) {
            finished = true;
            EXPECT_TRUE(o.completed) << what << ": the fault was never reached, yet the run failed: " << o.failure;
            continue;
          }
          if (!o.completed) {
            ++failed_runs;
            ++failed_at[o.failed_call.substr(o.failed_call.find(": ") + 2)];
          }
        }
        EXPECT_TRUE(finished) << f << " -> " << rv_text(rv) << ": no run completed within " << n + kSlack + 1
                              << " runs (the clean run made " << n << " calls)";
        std::string where;
        for (const auto& [call, count] : failed_at) where += " " + call + " x" + std::to_string(count) + ";";
        std::cout << "[wipe-faults-tls13] " << f << " (" << n << " calls) -> " << rv_text(rv) << ":"
                  << (where.empty() ? " no run failed" : where) << std::endl;
      }
    }
    std::cout << "[wipe-faults-tls13] " << runs << " faulty runs (" << failed_runs << " failed), each searched for "
              << clean.secrets << " secrets after freeing everything" << std::endl;
  }

  TokenSpec spec_;
  std::unique_ptr<ProviderHandle> provider_;
  std::shared_ptr<p11::Module> module_;
  CK_SESSION_HANDLE anchor_ = CK_INVALID_HANDLE;
  oracle::Pkey peer_;
  Bytes peer_point_;
  Messages messages_;
};

TEST_P(Tls13WipeUnderFaults, OneRttServerSchedule) {
  sweep({CKR_DEVICE_ERROR});
  sweep({CKR_FUNCTION_FAILED}, {"C_Sign", "C_CreateObject"});
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13WipeUnderFaults, ::testing::ValuesIn(TestTokens::where(composed)), TokenName{});

}  // namespace
}  // namespace sslp11::secretstest
