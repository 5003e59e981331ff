// Tests of pkcs11/session.cpp: the plain session opens and closes with its
// object, logs in as the user, reports a PIN the token refuses as
// PinRejected (with the CKR code, never the PIN), and treats a token that is
// already logged in as a successful login.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "pkcs11/login.h"
#include "pkcs11/session.h"
#include "pkcs11/token.h"
#include "pool_test_kit.h"
#include "support/test_tokens.h"

namespace sslp11::p11 {
namespace {

using pooltest::logged_in;
using pooltest::test_token_selector;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

class SessionTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    module_ = Module::load(GetParam().module_path, GetParam().init_args);
    slot_ = select_token(*module_, test_token_selector(GetParam())).id;
  }
  // True while `handle` names an open session of this module.
  bool is_open(CK_SESSION_HANDLE handle) const {
    try {
      module_->api().C_GetSessionInfo(handle);
      return true;
    } catch (const Error& e) {
      EXPECT_EQ(e.rv(), static_cast<CK_RV>(CKR_SESSION_HANDLE_INVALID)) << e.what();
      return false;
    }
  }

  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_ = 0;
};

TEST_P(SessionTest, OpensAReadWriteSessionAndClosesItOnDestruction) {
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  {
    const Session session(module_, slot_);
    handle = session.handle();
    ASSERT_NE(handle, static_cast<CK_SESSION_HANDLE>(CK_INVALID_HANDLE));
    EXPECT_EQ(session.slot(), slot_);
    const CK_SESSION_INFO info = session.api().C_GetSessionInfo(handle);
    EXPECT_EQ(info.slotID, slot_);
    EXPECT_NE(info.flags & CKF_RW_SESSION, 0u);
    EXPECT_FALSE(session.logged_in());
    EXPECT_TRUE(is_open(handle));
  }
  EXPECT_FALSE(is_open(handle)) << "the destructor closes the session";
}

TEST_P(SessionTest, ReadOnlyWhenAsked) {
  const Session session(module_, slot_, 0);
  EXPECT_EQ(session.api().C_GetSessionInfo(session.handle()).flags & CKF_RW_SESSION, 0u);
}

class LoginSessionTest : public SessionTest {};

TEST_P(LoginSessionTest, UserLoginSucceedsAndIsUndoneOnDestruction) {
  {
    Session session(module_, slot_);
    session.login(CKU_USER, Pin(GetParam().user_pin));
    EXPECT_TRUE(session.logged_in());
    EXPECT_TRUE(logged_in(session.api().C_GetSessionInfo(session.handle()).state));
  }
  // Login state belongs to the token: a new session sees the logout.
  const Session after(module_, slot_);
  EXPECT_FALSE(logged_in(after.api().C_GetSessionInfo(after.handle()).state));
}

TEST_P(LoginSessionTest, WrongPinIsRejectedWithItsCodeAndNeverTheSecret) {
  Session session(module_, slot_);
  const std::string wrong = "wrong-" + GetParam().user_pin + "-4711";
  try {
    session.login(CKU_USER, Pin(wrong));
    FAIL() << "the token accepted a wrong PIN";
  } catch (const PinRejected& e) {
    EXPECT_TRUE(is_pin_rejected(e.rv())) << e.what();
    EXPECT_EQ(e.function(), "C_Login");
    EXPECT_EQ(std::string(e.what()).find(wrong), std::string::npos) << e.what();
  }
  EXPECT_FALSE(session.logged_in());
  // The right PIN still works (and resets the token's failure counter).
  session.login(CKU_USER, Pin(GetParam().user_pin));
  EXPECT_TRUE(session.logged_in());
}

TEST_P(LoginSessionTest, AlreadyLoggedInCountsAsSuccess) {
  Session first(module_, slot_);
  first.login(CKU_USER, Pin(GetParam().user_pin));
  Session second(module_, slot_);
  // The token is logged in through `first`; C_Login answers CKR_USER_ALREADY_LOGGED_IN.
  EXPECT_NO_THROW(second.login(CKU_USER, Pin(GetParam().user_pin)));
  EXPECT_TRUE(second.logged_in());
}

TEST_P(LoginSessionTest, OtherLoginFailuresKeepTheirCode) {
  Session session(module_, slot_);
  session.login(CKU_USER, Pin(GetParam().user_pin));
  // The SO cannot log in while the user is: not a PIN problem, so not PinRejected.
  try {
    session.login(CKU_SO, Pin(GetParam().so_pin));
    FAIL() << "SO login succeeded while the user was logged in";
  } catch (const PinRejected& e) {
    FAIL() << "not a rejected PIN: " << e.what();
  } catch (const Error& e) {
    EXPECT_FALSE(is_pin_rejected(e.rv())) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, SessionTest, ::testing::ValuesIn(TestTokens::all()), TokenName());
INSTANTIATE_TEST_SUITE_P(Tokens, LoginSessionTest, ::testing::ValuesIn(TestTokens::where(TestTokens::needs_login)),
                         TokenName());

}  // namespace
}  // namespace sslp11::p11
