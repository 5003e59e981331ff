// fork() after SslOpenProvider, on both test tokens. PKCS#11 modules are not
// fork-safe: the child must never touch the module state it inherited (for a
// remote module that is the parent's socket). The parent's handles give the
// child a clean error; a provider the child opens itself gets a module
// initialised afresh. The parent keeps working while the child runs and after.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "faults/support/fault_kit.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::faults {
namespace {

using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

// Child's findings, as exit-code bits (gtest cannot report from a child).
enum ChildBits {
  kOldProviderNotRefused = 1,
  kOldKeyNotRefused = 2,
  kNewProviderHandshakeFailed = 4,
  kNewProviderUnclearError = 8,
  kNewProviderRefused = 16,  // clean, allowed: reported, not failed
};

int child_tries(NCRYPT_PROV_HANDLE parents, NCRYPT_KEY_HANDLE parents_key) {
  int bits = 0;
  NCRYPT_KEY_HANDLE eph = 0;
  if (SslCreateEphemeralKey(parents, &eph, TLS1_2_PROTOCOL_VERSION, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                            TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0) != NTE_INVALID_HANDLE) {
    bits |= kOldProviderNotRefused;
  }
  const SECURITY_STATUS s = encrypt_one(parents, parents_key, 5);
  if (s != NTE_INVALID_HANDLE && s != NTE_BAD_KEY_STATE) bits |= kOldKeyNotRefused;
  NCRYPT_PROV_HANDLE own = 0;
  const SECURITY_STATUS opened = SslOpenProvider(&own, nullptr, 0);
  if (opened == 0) {
    for (int i = 0; i < 3; ++i)
      if (handshake(own).status != 0) bits |= kNewProviderHandshakeFailed;
  } else if (opened == NTE_DEVICE_NOT_READY || opened == NTE_INVALID_HANDLE) {
    bits |= kNewProviderRefused;
  } else {
    bits |= kNewProviderUnclearError;
  }
  return bits;
}

class ForkFaults : public ::testing::TestWithParam<TokenSpec> {};

TEST_P(ForkFaults, ChildGetsACleanErrorOrItsOwnModuleAndTheParentKeepsWorking) {
  test::ProviderHandle provider(GetParam(), "", "fork");
  ASSERT_EQ(provider.open_status(), 0);
  const NCRYPT_PROV_HANDLE p = provider.get();
  const Handshake first = handshake(p, /*keep_write_key=*/true);
  ASSERT_EQ(first.status, 0) << first.failed_call << ": " << status_name(first.status) << " " << first.why;

  const pid_t child = fork();  // no other thread runs yet
  ASSERT_GE(child, 0);
  if (child == 0) _exit(child_tries(p, first.write_key));

  // The parent works while the child runs.
  std::atomic<bool> child_done{false};
  std::atomic<int> during = 0, during_failed = 0;
  std::thread parent_work([&] {
    while (!child_done.load()) {
      ++during;
      if (handshake(p).status != 0) ++during_failed;
    }
  });
  int status = 0;
  waitpid(child, &status, 0);
  child_done = true;
  parent_work.join();

  ASSERT_TRUE(WIFEXITED(status)) << "the child crashed (signal " << WTERMSIG(status) << ")";
  const int bits = WEXITSTATUS(status);
  EXPECT_EQ(bits & kOldProviderNotRefused, 0) << "the parent's provider handle worked in the child";
  EXPECT_EQ(bits & kOldKeyNotRefused, 0) << "the parent's key worked in the child";
  EXPECT_EQ(bits & kNewProviderHandshakeFailed, 0) << "the child's own provider opened but failed";
  EXPECT_EQ(bits & kNewProviderUnclearError, 0) << "the child's own provider failed with an unclear status";
  std::printf("[%s] child: own provider %s; parent: %d handshakes while the child ran, %d failed\n",
              GetParam().name.c_str(), (bits & kNewProviderRefused) ? "refused cleanly" : "worked (re-initialised)",
              during.load(), during_failed.load());
  EXPECT_EQ(during_failed.load(), 0);

  // And after.
  const Handshake after = handshake(p);
  EXPECT_EQ(after.status, 0) << after.failed_call << ": " << status_name(after.status) << " " << after.why;
  EXPECT_EQ(encrypt_one(p, first.write_key, 1), 0) << test::last_error();
  SslFreeObject(first.write_key, 0);
}

INSTANTIATE_TEST_SUITE_P(P, ForkFaults, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::faults
