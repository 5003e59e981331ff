// Sessions and logins lost behind the provider's back, and a device that
// fails mid-operation, end to end through the Ssl* API on both test tokens
// (routed through the fault shim): keys whose token objects died report
// NTE_BAD_KEY_STATE / NTE_INVALID_HANDLE, never reach the token with a stale
// handle, and the next handshake works in the same process.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <cstdio>
#include <optional>
#include <string>

#include "faults/support/fault_kit.h"
#include "pkcs11/module.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::faults {
namespace {

using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

bool key_lost(SECURITY_STATUS s) { return s == NTE_BAD_KEY_STATE || s == NTE_INVALID_HANDLE; }

class SessionFaults : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    spec_ = through_shim(GetParam());
    provider_.emplace(spec_, "", "shim");
    ASSERT_EQ(provider_->open_status(), 0);
    const Handshake h = handshake(p(), /*keep_write_key=*/true);
    ASSERT_EQ(h.status, 0) << h.failed_call << ": " << status_name(h.status) << " " << h.why;
    old_key_ = h.write_key;
  }
  void TearDown() override {
    clear_faults();
    if (old_key_ != 0) SslFreeObject(old_key_, 0);
    provider_.reset();
  }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }
  // The very module instance the provider uses (Module::load shares it).
  std::shared_ptr<p11::Module> module() const { return p11::Module::load(spec_.module_path, spec_.init_args); }
  void expect_new_handshake_works() {
    const Handshake h = handshake(p());
    EXPECT_EQ(h.status, 0) << h.failed_call << ": " << status_name(h.status) << " " << h.why;
  }

  TokenSpec spec_;
  std::optional<test::ProviderHandle> provider_;
  NCRYPT_KEY_HANDLE old_key_ = 0;
};

TEST_P(SessionFaults, SessionsClosedBehindItsBack) {
  auto m = module();
  for (CK_SLOT_ID slot : m->api().C_GetSlotList(true)) m->api().C_CloseAllSessions(slot);

  const SECURITY_STATUS s = encrypt_one(p(), old_key_, 1);
  EXPECT_TRUE(key_lost(s)) << status_name(s) << " " << test::last_error();
  expect_new_handshake_works();
  // The lost key stays lost (and stays a clean error) after the pool recovered.
  const SECURITY_STATUS again = encrypt_one(p(), old_key_, 2);
  EXPECT_TRUE(key_lost(again)) << status_name(again) << " " << test::last_error();
}

TEST_P(SessionFaults, DeviceRemovedDuringARecordThenBack) {
  inject("C_EncryptInit", CKR_DEVICE_REMOVED);
  const auto t0 = Clock::now();
  const SECURITY_STATUS s = encrypt_one(p(), old_key_, 1);
  const double ms = ms_since(t0);
  EXPECT_TRUE(s == NTE_DEVICE_NOT_READY || key_lost(s)) << status_name(s) << " " << test::last_error();
  std::printf("[%s] C_EncryptInit -> CKR_DEVICE_REMOVED: %s after %.1f ms (%s)\n", GetParam().name.c_str(),
              status_name(s).c_str(), ms, test::last_error().c_str());
  clear_faults();
  expect_new_handshake_works();
}

TEST_P(SessionFaults, TokenNotPresentAtOpenIsAClearErrorThenOpensWhenBack) {
  SslFreeObject(old_key_, 0);
  old_key_ = 0;
  provider_.reset();  // the token context goes with the last handle
  inject("C_OpenSession", CKR_TOKEN_NOT_PRESENT);
  NCRYPT_PROV_HANDLE h = 0;
  const auto t0 = Clock::now();
  const SECURITY_STATUS s = SslOpenProvider(&h, nullptr, 0);
  const double ms = ms_since(t0);
  EXPECT_EQ(s, NTE_DEVICE_NOT_READY) << status_name(s) << " " << test::last_error();
  std::printf("[%s] C_OpenSession -> CKR_TOKEN_NOT_PRESENT: SslOpenProvider %s after %.1f ms (%s)\n",
              GetParam().name.c_str(), status_name(s).c_str(), ms, test::last_error().c_str());
  clear_faults();
  provider_.emplace(spec_, "", "shim");
  ASSERT_EQ(provider_->open_status(), 0);
  expect_new_handshake_works();
}

INSTANTIATE_TEST_SUITE_P(P, SessionFaults, ::testing::ValuesIn(TestTokens::all()), TokenName{});

// Logging out behind the provider's back: the next operation logs in again,
// once.
class LoginFaults : public SessionFaults {};

TEST_P(LoginFaults, LoginLostBehindItsBackIsRestoredWithOneLogin) {
  auto m = module();
  CK_SLOT_ID ours = m->api().C_GetSlotList(true).front();
  for (CK_SLOT_ID s : m->api().C_GetSlotList(true)) {
    if (p11::trim_padded(m->api().C_GetTokenInfo(s).label, 32) == spec_.label) ours = s;
  }
  const CK_SESSION_HANDLE session = m->api().C_OpenSession(ours, CKF_RW_SESSION);
  m->api().C_Logout(session);
  m->api().C_CloseSession(session);

  const unsigned long before = calls("C_Login");
  expect_new_handshake_works();
  EXPECT_EQ(calls("C_Login") - before, 1u);
  // The old key: usable again after the login came back, or cleanly lost
  // (SoftHSM forgets private session objects at logout).
  const SECURITY_STATUS s = encrypt_one(p(), old_key_, 1);
  EXPECT_TRUE(s == 0 || key_lost(s)) << status_name(s) << " " << test::last_error();
}

INSTANTIATE_TEST_SUITE_P(P, LoginFaults, ::testing::ValuesIn(TestTokens::where(TestTokens::needs_login)), TokenName{});

}  // namespace
}  // namespace sslp11::faults
