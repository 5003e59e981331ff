// PIN trouble, end to end through SslOpenProvider, counted at the PKCS#11
// boundary by the fault shim: a wrong PIN, a locked PIN and a token without a
// user PIN each give a clear status and explanation, and sslp11 makes exactly
// one C_Login per open (never a retry loop that could lock the PIN). Tokens
// that need no login (NSS) have no PIN to get wrong, so these run on SoftHSM.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <string>

#include "faults/support/fault_kit.h"
#include "pkcs11/module.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::faults {
namespace {

using test::TestTokens;
using test::TokenSpec;

// Opens a provider on `spec` (config written, SSLP11_CONF set); the status.
SECURITY_STATUS open_provider(const TokenSpec& spec, const std::string& variant, NCRYPT_PROV_HANDLE* out) {
  test::use_token(spec, "", variant);
  return SslOpenProvider(out, nullptr, 0);
}

TEST(PinFaults, WrongPinIsRefusedWithOneLoginPerOpen) {
  TokenSpec spec = through_shim(TestTokens::create_softhsm_token("sslp11-wrong-pin"));
  spec.user_pin = "not-the-pin";
  NCRYPT_PROV_HANDLE h = 0;
  const unsigned long before = calls("C_Login");
  EXPECT_EQ(open_provider(spec, "wrong", &h), NTE_INCORRECT_PASSWORD) << test::last_error();
  const std::string why = test::last_error();
  EXPECT_NE(why.find("CKR_PIN_INCORRECT"), std::string::npos) << why;
  EXPECT_EQ(why.find("not-the-pin"), std::string::npos) << "the PIN leaked into the message";
  EXPECT_EQ(calls("C_Login") - before, 1u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(SslOpenProvider(&h, nullptr, 0), NTE_INCORRECT_PASSWORD) << test::last_error();
  }
  EXPECT_EQ(calls("C_Login") - before, 4u) << "one C_Login per SslOpenProvider, no retries";
}

TEST(PinFaults, LockedPinIsReportedAsLockedAndNotRetried) {
  const TokenSpec spec = through_shim(TestTokens::create_softhsm_token("sslp11-locked-pin"));
  NCRYPT_PROV_HANDLE h = 0;
  ASSERT_EQ(open_provider(spec, "locked", &h), 0) << test::last_error();
  SslFreeObject(h, 0);  // the token context goes: the next open logs in afresh
  inject("C_Login", CKR_PIN_LOCKED);
  const unsigned long before = calls("C_Login");
  EXPECT_EQ(SslOpenProvider(&h, nullptr, 0), NTE_PERM);
  const std::string why = test::last_error();
  EXPECT_NE(why.find("locked"), std::string::npos) << why;
  EXPECT_EQ(calls("C_Login") - before, 1u) << "a locked PIN must not be tried again";
  clear_faults();
}

TEST(PinFaults, UserPinNotInitialisedAtLoginIsReportedOnce) {
  const TokenSpec spec = through_shim(TestTokens::create_softhsm_token("sslp11-pin-uninit"));
  NCRYPT_PROV_HANDLE h = 0;
  ASSERT_EQ(open_provider(spec, "uninit", &h), 0) << test::last_error();
  SslFreeObject(h, 0);
  inject("C_Login", CKR_USER_PIN_NOT_INITIALIZED);
  const unsigned long before = calls("C_Login");
  EXPECT_EQ(SslOpenProvider(&h, nullptr, 0), NTE_DEVICE_NOT_READY);
  const std::string why = test::last_error();
  EXPECT_NE(why.find("no user PIN"), std::string::npos) << why;
  EXPECT_EQ(calls("C_Login") - before, 1u);
  clear_faults();
}

// A token initialised (C_InitToken) whose user PIN was never set: refused at
// open, before any C_Login, with the fix in the message.
TEST(PinFaults, TokenWithoutUserPinIsRefusedBeforeAnyLogin) {
  const TokenSpec base = TestTokens::softhsm();
  const std::string label = "sslp11-no-user-pin";
  {
    auto module = p11::Module::load(base.module_path, base.init_args);
    CK_SLOT_ID free_slot = 0;
    bool found = false;
    for (const auto& slot : module->slots()) {
      if (slot.token_present && (slot.token_flags & CKF_TOKEN_INITIALIZED) == 0) {
        free_slot = slot.id;
        found = true;
        break;
      }
    }
    ASSERT_TRUE(found) << "SoftHSM offers no uninitialised slot";
    CK_UTF8CHAR padded[32];
    std::fill(std::begin(padded), std::end(padded), ' ');
    std::copy(label.begin(), label.end(), padded);
    const std::string so_pin = "12345678";
    module->api().C_InitToken(
        free_slot, {reinterpret_cast<const CK_UTF8CHAR*>(so_pin.data()), so_pin.size()}, padded);
  }
  TokenSpec spec = through_shim(base);
  spec.label = label;
  spec.serial.clear();
  NCRYPT_PROV_HANDLE h = 0;
  const unsigned long before = calls("C_Login");
  EXPECT_EQ(open_provider(spec, "nopin", &h), NTE_DEVICE_NOT_READY);
  const std::string why = test::last_error();
  EXPECT_NE(why.find("no user PIN"), std::string::npos) << why;
  EXPECT_EQ(calls("C_Login") - before, 0u);
}

}  // namespace
}  // namespace sslp11::faults
