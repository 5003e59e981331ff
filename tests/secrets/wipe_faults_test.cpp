// The wipe test (wipe_test.cpp) with a failing token call injected at each
// step: no host buffer that held composed-path key material is freed without
// being wiped, on any error path.
//
// SoftHSMv2 (the composed path) is routed through tests/faults' fault shim,
// and behind it through the recording shim (support/record_shim.h), which
// only keeps copies of the token's 48-byte random outputs in static storage.
// For each schedule -- ECDHE client (CBC, EMS off), DHE ffdhe2048 client,
// RSA client (SslGeneratePreMasterKey + master, EMS on), RSA server with a
// good and with a bad ciphertext -- and each token function it calls
// (C_GenerateKeyPair, C_GetAttributeValue, C_DeriveKey, C_CreateObject,
// C_SignInit, C_Sign, C_GenerateRandom, C_EncryptInit, C_Encrypt,
// C_DecryptInit, C_Decrypt, C_DestroyObject), the k-th call of that function
// answers CKR_DEVICE_ERROR, for k = 0, 1, ... until a run completes with the
// fault never reached. Each run is: the schedule, session keys, a record and
// Finished, as far as they get; then every object freed. Meanwhile the
// freed-memory quarantine (support/freed_memory.h) keeps every block freed.
//
// Afterwards OpenSSL recomputes what the run's secrets were, from what the
// run got as far as: ECDHE/DHE -- the pre-master from the peer's key and our
// exported public value, whenever the provider got far enough to use it; RSA
// client -- from the encrypted pre-master when it was returned, else from the
// token random the recorder saw (its first two bytes set to the version,
// exactly what sslp11 does); RSA server -- the test's own pre-master, and the
// token random sslp11 keeps ready for a refused ciphertext. The master secret
// and key block follow from each pre-master and the randoms (TLS1-PRF), so
// they are known even for a run that failed midway. No freed block may hold
// any of them. CKR_FUNCTION_FAILED is injected as well for the ECDHE
// schedule's C_Sign and C_CreateObject.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/support/key_checks.h"
#include "core/support/server_key.h"
#include "core/support/ssl_calls.h"
#include "faults/support/fault_kit.h"
#include "log/logger.h"
#include "pkcs11/module.h"
#include "pkcs11/session_pool.h"
#include "secrets/support/freed_memory.h"
#include "secrets/support/object_records.h"
#include "secrets/support/schedules.h"
#include "secrets/support/secret_patterns.h"
#include "secrets/support/stepped_schedules.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::secretstest {
namespace {

using coretest::Bytes;
using test::ProviderHandle;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

// The functions a composed-path schedule calls that can fail it.
constexpr const char* kFunctions[] = {
    "C_GenerateKeyPair", "C_GetAttributeValue", "C_DeriveKey", "C_CreateObject", "C_SignInit", "C_Sign",
    "C_GenerateRandom",  "C_EncryptInit",       "C_Encrypt",   "C_DecryptInit",  "C_Decrypt",  "C_DestroyObject"};

// A run may make a few more calls than the clean one (a retry, a clean-up):
// this many k past the clean count before giving up.
constexpr unsigned long kSlack = 4;

bool composed(const TokenSpec& t) { return !TestTokens::is_native(t); }

std::string rv_text(CK_RV rv) { return rv == CKR_DEVICE_ERROR ? "CKR_DEVICE_ERROR" : "CKR_FUNCTION_FAILED"; }

struct Outcome {
  bool triggered = false;   // the k-th call was reached and failed
  bool completed = false;   // the whole run succeeded
  std::string failed_call;  // the Ssl* call that failed, if any
  std::string failure;      // its status and explanation
  std::size_t secrets = 0;  // secrets searched for
  std::vector<FreedMemory::Hit> hits;
  bool overflowed = false;
};

class WipeUnderFaults : public ::testing::TestWithParam<TokenSpec> {
 protected:
  using Schedule = std::function<bool(Calls&, SteppedRun&)>;
  using Start = std::function<SteppedRun()>;

  void SetUp() override {
    // Hundreds of runs fail on purpose: their warnings would drown the report.
    setenv("SSLP11_LOG_LEVEL", "error", 1);
    log::reset_for_tests();
    spec_ = faults::through_shim(through_recorder(GetParam()));
    provider_ = std::make_unique<ProviderHandle>(spec_, "", "wipe-faults");
    ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
    ASSERT_EQ(coretest::provider_property_string(p(), SSLP11_DERIVATION_PATH_PROPERTY), "composed");
    module_ = p11::Module::load(spec_.module_path, spec_.init_args);
    anchor_ = module_->api().C_OpenSession(coretest::pool_of(p())->slot(), CKF_SERIAL_SESSION);
  }
  void TearDown() override {
    faults::clear_faults();
    if (anchor_ != CK_INVALID_HANDLE) module_->api().C_CloseSession(anchor_);
    module_.reset();
    recorder::capture_random(false);
    provider_.reset();
    unsetenv("SSLP11_LOG_LEVEL");
    log::reset_for_tests();
  }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }

  // One run with `function`'s k-th call (from now) answering `rv` (none when
  // function is nullptr).
  Outcome run_once(const Start& start, const Schedule& schedule, const char* function, CK_RV rv, unsigned long k) {
    Outcome out;
    faults::clear_faults();
    recorder::capture_random(true);
    const unsigned long before = function != nullptr ? faults::calls(function) : 0;
    if (function != nullptr) faults::inject(function, rv, k, 1);
    SteppedRun r = start();
    Calls c(p());
    c.prefix = r.name + ": ";
    FreedMemory::arm();
    out.completed = schedule(c, r) && session_keys(c, r) && record_and_finished(c, r);
    r.free_all();
    FreedMemory::disarm();
    faults::clear_faults();
    if (function != nullptr) out.triggered = faults::calls(function) - before > k;
    out.failed_call = c.failed_call();
    out.failure = c.failure();
    r.token_randoms = recorder::randoms();
    recorder::capture_random(false);
    r.learn();
    SecretSet secrets;
    r.add_secrets_to(secrets);
    out.secrets = secrets.size();
    out.overflowed = FreedMemory::overflowed();
    out.hits = FreedMemory::search(secrets);
    FreedMemory::release();
    if (out.triggered && terminates_an_operation(function)) restart_sessions();
    return out;
  }

  // The fault shim answers a faulty C_Sign / C_Encrypt / C_Decrypt itself, so
  // the real token still has the operation C_*Init started -- where a token's
  // own failing C_Sign would have ended it (PKCS#11 2.40 §5.11-5.12: these
  // calls always terminate the operation unless they return
  // CKR_BUFFER_TOO_SMALL or answer a length query). sslp11 gives that session
  // back to its pool, so the next run would meet CKR_OPERATION_ACTIVE. Close
  // the sessions behind the provider's back instead (it recovers, as
  // tests/faults' SessionFaults shows), and make it recover now, outside the
  // next run: an ephemeral key needs a session. The test's own anchor session
  // stays open, so the token never sees its last session close (SoftHSM would
  // log out and forget the handles of token objects: the RSA server key's).
  static bool terminates_an_operation(const char* f) {
    return f != nullptr && (std::string_view(f) == "C_Sign" || std::string_view(f) == "C_Encrypt" ||
                            std::string_view(f) == "C_Decrypt");
  }
  void restart_sessions() {
    for (CK_SESSION_HANDLE s : recorder::sessions())
      if (s != anchor_) module_->api().C_CloseSession(s);
    coretest::SslObject key;
    ASSERT_EQ(SslCreateEphemeralKey(p(), key.out(), TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                                    TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0),
              ERROR_SUCCESS)
        << "no recovery after the sessions were closed: " << test::last_error();
  }

  // The clean run, then every function's every call failing in turn.
  void sweep(const Start& start, const Schedule& schedule, const std::vector<CK_RV>& codes = {CKR_DEVICE_ERROR},
             const std::vector<std::string>& only = {}) {
    std::map<std::string, unsigned long> clean_calls;
    for (const char* f : kFunctions) clean_calls[f] = faults::calls(f);
    const Outcome clean = run_once(start, schedule, nullptr, CKR_OK, 0);
    ASSERT_TRUE(clean.completed) << "the schedule fails without any fault: " << clean.failure;
    EXPECT_TRUE(clean.hits.empty() && !clean.overflowed) << "no fault: freed without wiping:" << describe(clean.hits);
    for (const char* f : kFunctions) clean_calls[f] = faults::calls(f) - clean_calls[f];

    int runs = 0, failed_runs = 0, clean_runs = 0;
    for (const CK_RV rv : codes) {
      for (const char* f : kFunctions) {
        if (!only.empty() && std::find(only.begin(), only.end(), f) == only.end()) continue;
        const unsigned long n = clean_calls[f];
        if (n == 0) continue;
        std::map<std::string, int> failed_at;
        bool finished = false;
        for (unsigned long k = 0; k <= n + kSlack && !finished; ++k) {
          const Outcome o = run_once(start, schedule, f, rv, k);
          ++runs;
          const std::string what = std::string(f) + " call #" + std::to_string(k) + " -> " + rv_text(rv);
          EXPECT_FALSE(o.overflowed) << what << ": the quarantine overflowed";
          EXPECT_TRUE(o.hits.empty()) << what << " (the run " << (o.completed ? "completed" : "failed at " + o.failure)
                                      << "): freed without wiping:" << describe(o.hits);
          if (!o.triggered) {
            finished = true;
            EXPECT_TRUE(o.completed) << what << ": the fault was never reached, yet the run failed: " << o.failure;
            continue;
          }
          if (o.completed) {
            ++clean_runs;
          } else {
            ++failed_runs;
            ++failed_at[o.failed_call.substr(o.failed_call.find(": ") + 2)];
          }
          if (o.secrets == 0) ++failed_at["(no secret existed yet)"];
        }
        EXPECT_TRUE(finished) << f << " -> " << rv_text(rv) << ": no run completed within " << n + kSlack + 1
                              << " runs (the clean run made " << n << " calls)";
        std::string where;
        for (const auto& [call, count] : failed_at) where += " " + call + " x" + std::to_string(count) + ";";
        std::cout << "[wipe-faults] " << schedule_name_ << ": " << f << " (" << n << " calls) -> " << rv_text(rv) << ":"
                  << (where.empty() ? " no run failed" : where) << std::endl;
      }
    }
    std::cout << "[wipe-faults] " << schedule_name_ << ": " << runs << " faulty runs (" << failed_runs << " failed, "
              << clean_runs << " completed despite the fault), each searched for " << clean.secrets
              << "+ secrets after freeing everything" << std::endl;
  }

  TokenSpec spec_;
  std::unique_ptr<ProviderHandle> provider_;
  std::shared_ptr<p11::Module> module_;
  CK_SESSION_HANDLE anchor_ = CK_INVALID_HANDLE;
  std::string schedule_name_;
};

TEST_P(WipeUnderFaults, EcdheClient) {
  schedule_name_ = "ecdhe-client";
  const auto& suite = offered_suite(p(), TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256);
  const Start start = [&] { return start_run("ecdhe-client", Exchange::ecdhe, suite, true, false); };
  const Schedule schedule = [](Calls& c, SteppedRun& r) { return ecdhe(c, r, coretest::p256()); };
  sweep(start, schedule);
  sweep(start, schedule, {CKR_FUNCTION_FAILED}, {"C_Sign", "C_CreateObject"});
}

TEST_P(WipeUnderFaults, DheClient) {
  schedule_name_ = "dhe-client";
  const auto& suite = offered_suite(p(), TLS_DHE_RSA_WITH_AES_128_GCM_SHA256);
  sweep([&] { return start_run("dhe-client", Exchange::dhe, suite, true, false); },
        [](Calls& c, SteppedRun& r) { return dhe(c, r); });
}

TEST_P(WipeUnderFaults, RsaClient) {
  schedule_name_ = "rsa-client";
  const auto& suite = offered_suite(p(), TLS_RSA_WITH_AES_128_GCM_SHA256);
  const coretest::Pkey peer_server = coretest::rsa_generate(2048);
  sweep([&] { return start_run("rsa-client", Exchange::rsa_client, suite, true, true); },
        [&](Calls& c, SteppedRun& r) { return rsa_client(c, r, peer_server.get(), /*via_pre_master=*/true); });
}

TEST_P(WipeUnderFaults, RsaServer) {
  schedule_name_ = "rsa-server";
  const auto& suite = offered_suite(p(), TLS_RSA_WITH_AES_128_GCM_SHA256);
  coretest::ServerRsaKey server(p(), /*token_objects=*/true);
  // A new pre-master for every run: the test's copies of one run's secrets
  // are freed unwiped after its search, and malloc may hand that memory to
  // the next run, whose freed blocks are searched up to malloc_usable_size.
  Bytes pms, good;
  sweep(
      [&] {
        pms = coretest::random_bytes(48);
        pms[0] = 0x03;
        pms[1] = 0x03;
        good = coretest::rsa_encrypt_pkcs1(server.openssl_public(), pms);
        return start_run("rsa-server", Exchange::rsa_server, suite, false, true);
      },
      [&](Calls& c, SteppedRun& r) { return rsa_server(c, r, server, good, &pms); });
}

TEST_P(WipeUnderFaults, RsaServerBadCiphertext) {
  schedule_name_ = "rsa-server-bad-ciphertext";
  const auto& suite = offered_suite(p(), TLS_RSA_WITH_AES_128_GCM_SHA256);
  coretest::ServerRsaKey server(p(), /*token_objects=*/true);
  const Bytes bad = coretest::random_bytes(256);
  sweep([&] { return start_run("rsa-server-bad-ciphertext", Exchange::rsa_server, suite, false, false); },
        [&](Calls& c, SteppedRun& r) { return rsa_server(c, r, server, bad, nullptr); });
}

INSTANTIATE_TEST_SUITE_P(Tokens, WipeUnderFaults, ::testing::ValuesIn(TestTokens::where(composed)), TokenName{});

}  // namespace
}  // namespace sslp11::secretstest
