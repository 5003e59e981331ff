// Tests of pkcs11/session_pool.cpp: leasing, the bound and its timeout, login
// (and a rejected PIN), and recovery from sessions or logins lost behind the
// pool's back. The 8-thread test is in session_pool_concurrency_test.cpp.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pkcs11/attributes.h"
#include "pkcs11/object.h"
#include "pkcs11/session_pool.h"
#include "pkcs11/token.h"
#include "pool_test_kit.h"
#include "support/test_tokens.h"

namespace sslp11::p11 {
namespace {

using namespace std::chrono_literals;
using namespace pooltest;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

std::vector<CK_OBJECT_HANDLE> find_by_label(const Lease& lease, const std::string& label) {
  AttributeTemplate t;
  t.add_string(CKA_LABEL, label);
  return lease.api().find_objects(lease.handle(), t.span());
}

class SessionPoolTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    token_ = choose_token();
    module_ = Module::load(token_.module_path, token_.init_args);
    slot_ = select_token(*module_, test_token_selector(token_)).id;
  }
  virtual TokenSpec choose_token() { return GetParam(); }

  const TokenSpec& spec() const { return token_; }
  std::shared_ptr<SessionPool> make_pool(PoolOptions options = {}) const {
    return SessionPool::create(module_, slot_, Pin(token_.user_pin), options);
  }

  TokenSpec token_;
  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_ = 0;
};

TEST_P(SessionPoolTest, AcquireOpensALoggedInReadWriteSession) {
  auto pool = make_pool();
  EXPECT_EQ(pool->login_required(), spec().login_required);
  EXPECT_EQ(pool->open_sessions(), 0u) << "nothing is opened before the first acquire";
  {
    Lease lease = pool->acquire();
    const CK_SESSION_INFO info = module_->api().C_GetSessionInfo(lease.handle());
    EXPECT_EQ(info.slotID, slot_);
    EXPECT_NE(info.flags & CKF_RW_SESSION, 0u);
    if (spec().login_required) {
      EXPECT_TRUE(logged_in(info.state)) << "state " << info.state;
    }
    EXPECT_EQ(pool->open_sessions(), 1u);
    EXPECT_EQ(pool->idle_sessions(), 0u);
  }
  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 1u) << "a returned lease stays open for reuse";
}

TEST_P(SessionPoolTest, ReturnedSessionsAreReused) {
  auto pool = make_pool();
  CK_SESSION_HANDLE first = CK_INVALID_HANDLE;
  { first = pool->acquire().handle(); }
  const std::uint64_t before = calls_on_this_thread();
  Lease again = pool->acquire();
  EXPECT_EQ(calls_on_this_thread(), before) << "reusing an idle session needs no token call";
  EXPECT_EQ(again.handle(), first);
  EXPECT_EQ(pool->open_sessions(), 1u);
}

TEST_P(SessionPoolTest, RunReturnsTheOperationsResult) {
  auto pool = make_pool();
  const CK_SESSION_INFO info = pool->run([](Lease& l) { return l.api().C_GetSessionInfo(l.handle()); });
  EXPECT_EQ(info.slotID, slot_);
  EXPECT_EQ(pool->idle_sessions(), 1u);
}

TEST_P(SessionPoolTest, AcquireTimesOutWhenAllSessionsStayLeased) {
  auto pool = make_pool(bounded(2, 150ms));
  std::optional<Lease> a(pool->acquire());
  Lease b = pool->acquire();
  EXPECT_NE(a->handle(), b.handle());
  const auto start = std::chrono::steady_clock::now();
  try {
    pool->acquire();
    FAIL() << "a third lease was handed out with max_sessions 2";
  } catch (const LayerError& e) {
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(e.fault(), Fault::token_unreachable) << e.what();
    EXPECT_GE(waited, 140ms) << "gave up before acquire_timeout";
    EXPECT_LT(waited, 10s);
    std::cout << "[" << spec().name << "] " << e.what() << "\n";
  }
  EXPECT_EQ(pool->open_sessions(), 2u);
  const CK_SESSION_HANDLE freed = a->handle();
  a.reset();
  EXPECT_EQ(pool->acquire().handle(), freed) << "the returned session is handed out again";
}

TEST_P(SessionPoolTest, AcquireBlocksUntilALeaseComesBack) {
  auto pool = make_pool(bounded(1, 20s));
  std::optional<Lease> held(pool->acquire());
  const CK_SESSION_HANDLE handle = held->handle();
  std::atomic<bool> got{false};
  CK_SESSION_HANDLE waiter_handle = CK_INVALID_HANDLE;
  std::thread waiter([&] {
    Lease l = pool->acquire();
    waiter_handle = l.handle();
    got = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(got.load()) << "acquire did not wait at the bound";
  held.reset();
  waiter.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(waiter_handle, handle);
  EXPECT_EQ(pool->open_sessions(), 1u);
}

TEST_P(SessionPoolTest, RecoversFromSessionsClosedBehindItsBack) {
  auto pool = make_pool(bounded(4));
  const std::string old_label = unique_label("before-close");
  const std::string new_label = unique_label("after-close");
  std::optional<Object> before_close;
  CK_SESSION_HANDLE old_handle = CK_INVALID_HANDLE;
  {
    Lease lease = pool->acquire();
    old_handle = lease.handle();
    before_close.emplace(pool, lease, generate_private_key(lease, old_label));
  }
  ASSERT_TRUE(before_close->alive());

  module_->api().C_CloseAllSessions(slot_);  // token reset, as far as the pool can tell

  CK_SESSION_HANDLE used = CK_INVALID_HANDLE;
  CK_STATE state = 0;
  std::optional<Object> after_close;
  const auto found = pool->run([&](Lease& l) {
    after_close.emplace(pool, l, generate_private_key(l, new_label));  // needs the login back
    used = l.handle();
    state = l.api().C_GetSessionInfo(l.handle()).state;
    return find_by_label(l, new_label);  // private objects are found only when logged in
  });
  EXPECT_EQ(found.size(), 1u);
  EXPECT_NE(used, old_handle) << "ran on the closed session";
  if (spec().login_required) {
    EXPECT_TRUE(logged_in(state)) << "state " << state;
  }
  EXPECT_TRUE(after_close->alive());

  EXPECT_FALSE(before_close->alive()) << "the object died with its session";
  try {
    module_->api().C_GetSessionInfo(old_handle);
    ADD_FAILURE() << "the old session handle still works";
  } catch (const Error& e) {
    EXPECT_EQ(e.rv(), CKR_SESSION_HANDLE_INVALID) << e.what();
  }
  // The dead object's handle is not destroyed on the token (it may name something else now).
  const std::uint64_t before = calls_on_this_thread();
  before_close.reset();
  EXPECT_EQ(calls_on_this_thread(), before);

  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 1u);
  after_close.reset();
  EXPECT_TRUE(pool->run([&](Lease& l) { return find_by_label(l, new_label); }).empty());
}

// Login only exists on tokens that require one (SoftHSM); the no-login
// token (NSS slot 1) gets its own test below instead of a skip.
class LoginTokenPoolTest : public SessionPoolTest {};
class NoLoginTokenPoolTest : public SessionPoolTest {};


TEST_P(LoginTokenPoolTest, RecoversFromALoginLostBehindItsBack) {
  auto pool = make_pool();
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  { handle = pool->acquire().handle(); }
  module_->api().C_Logout(handle);

  const std::string label = unique_label("after-logout");
  const CK_STATE state = pool->run([&](Lease& l) {
    Object key(pool, l, generate_private_key(l, label));
    const CK_STATE s = l.api().C_GetSessionInfo(l.handle()).state;
    key.reset(l);  // with this session: reset() would lease a second one
    return s;
  });
  EXPECT_TRUE(logged_in(state)) << "state " << state;
  EXPECT_EQ(pool->open_sessions(), 1u) << "a lost login does not need a new session";
}

TEST_P(SessionPoolTest, ResetClosesIdleSessionsNowAndLeasedOnesOnReturn) {
  auto pool = make_pool(bounded(4));
  std::optional<Lease> held(pool->acquire());
  std::optional<Object> idle_key;
  {
    Lease other = pool->acquire();
    idle_key.emplace(pool, other, generate_private_key(other, unique_label("reset")));
  }
  const CK_SESSION_HANDLE held_handle = held->handle();
  ASSERT_EQ(pool->open_sessions(), 2u);

  pool->reset();
  EXPECT_EQ(pool->idle_sessions(), 0u);
  EXPECT_EQ(pool->open_sessions(), 1u) << "the leased session is still out";
  EXPECT_FALSE(idle_key->alive());

  held.reset();
  EXPECT_EQ(pool->open_sessions(), 0u) << "a session leased before reset() is closed when it comes back";
  EXPECT_THROW(module_->api().C_GetSessionInfo(held_handle), Error);

  const CK_SESSION_INFO info = pool->run([](Lease& l) { return l.api().C_GetSessionInfo(l.handle()); });
  if (spec().login_required) {
    EXPECT_TRUE(logged_in(info.state));
  }
}

TEST_P(NoLoginTokenPoolTest, PinIsNeverUsedWhenTheTokenNeedsNoLogin) {
  auto pool = SessionPool::create(module_, slot_, Pin("not-the-pin"), bounded(2));
  EXPECT_FALSE(pool->login_required());
  const std::uint64_t before = calls_on_this_thread();
  Lease lease = pool->acquire();
  EXPECT_EQ(calls_on_this_thread() - before, 1u) << "only C_OpenSession: no C_GetSessionInfo, no C_Login";
  CK_BYTE random[16] = {};
  EXPECT_NO_THROW(lease.api().C_GenerateRandom(lease.handle(), random));
}

INSTANTIATE_TEST_SUITE_P(Tokens, SessionPoolTest, ::testing::ValuesIn(TestTokens::all()), TokenName());
INSTANTIATE_TEST_SUITE_P(Tokens, LoginTokenPoolTest, ::testing::ValuesIn(TestTokens::where(TestTokens::needs_login)), TokenName());
INSTANTIATE_TEST_SUITE_P(Tokens, NoLoginTokenPoolTest, ::testing::ValuesIn(TestTokens::where(TestTokens::needs_no_login)), TokenName());

// ---------------------------------------------------------------------------
// PINs. A rejected PIN is reported once and never tried again (a token may
// lock it), and no message ever shows a PIN.

std::string random_suffix() {
  static std::atomic<int> counter{0};
  return std::to_string(getpid()) + std::to_string(++counter);
}

class SessionPoolPinTest : public SessionPoolTest {
 protected:
  // A token of its own for SoftHSM, so a rejected PIN cannot disturb other
  // tests. Created before the module loads: SoftHSM reads its token store in
  // C_Initialize.
  TokenSpec choose_token() override {
    if (GetParam().name != "softhsm") return GetParam();
    return TestTokens::create_softhsm_token("sslp11-pin-" + random_suffix());
  }

  void expect_no_pin_in(const std::string& what) {
    messages_.push_back(what);
    EXPECT_EQ(what.find(spec().user_pin), std::string::npos) << "the right PIN leaks in: " << what;
    EXPECT_EQ(what.find(wrong_pin_), std::string::npos) << "the wrong PIN leaks in: " << what;
    if (!spec().so_pin.empty()) {
      EXPECT_EQ(what.find(spec().so_pin), std::string::npos) << what;
    }
  }

  std::shared_ptr<SessionPool> make_pool_with_wrong_pin(PoolOptions options = {}) const {
    return SessionPool::create(module_, slot_, Pin(wrong_pin_), options);
  }

  const std::string wrong_pin_ = "wrong-" + random_suffix() + "-pin";
  std::vector<std::string> messages_;
};

TEST_P(SessionPoolPinTest, WrongPinIsReportedOnceAndNeverRetried) {
  ASSERT_NE(wrong_pin_, spec().user_pin);
  auto pool = make_pool_with_wrong_pin(bounded(4));

  // 1. The first acquire logs in and the token says no: a clear p11::Error.
  try {
    pool->acquire();
    FAIL() << "acquire with a wrong PIN succeeded";
  } catch (const Error& e) {
    expect_no_pin_in(e.what());
    EXPECT_EQ(e.rv(), CKR_PIN_INCORRECT) << e.what();
    EXPECT_EQ(e.function(), "C_Login");
    std::cout << "[" << spec().name << "] first attempt: " << e.what() << "\n";
  }
  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 1u) << "the logged-out session goes back to the pool";

  // 2. run() of an operation that needs the login: the pool refuses to log in
  //    again. At most one token call: the operation's own (which fails with
  //    CKR_USER_NOT_LOGGED_IN); a C_Login retry would make it two or more.
  const std::string label = unique_label("wrong-pin");
  std::uint64_t before = calls_on_this_thread();
  try {
    pool->run([&](Lease& l) { return generate_private_key(l, label); });
    FAIL() << "run() succeeded without a login";
  } catch (const LayerError& e) {
    expect_no_pin_in(e.what());
    EXPECT_EQ(e.fault(), Fault::pin_rejected) << e.what();
    std::cout << "[" << spec().name << "] second attempt: " << e.what() << "\n";
  } catch (const Error& e) {
    expect_no_pin_in(e.what());
    ADD_FAILURE() << "expected the pool's own refusal, got " << e.what();
  }
  EXPECT_LE(calls_on_this_thread() - before, 1u) << "C_Login was called again";

  // 3. Two more acquire()s, held together so the second needs a new session.
  //    Each may hand out a logged-out session or refuse with
  //    Fault::pin_rejected, but neither may try the PIN again: at most
  //    one call each (C_OpenSession), where a C_Login retry needs two more.
  {
    std::vector<Lease> held;
    for (int i = 0; i < 2; ++i) {
      before = calls_on_this_thread();
      try {
        held.push_back(pool->acquire());
      } catch (const LayerError& e) {
        expect_no_pin_in(e.what());
        EXPECT_EQ(e.fault(), Fault::pin_rejected) << e.what();
      } catch (const Error& e) {
        expect_no_pin_in(e.what());
        ADD_FAILURE() << "the token was asked again: " << e.what();
      }
      EXPECT_LE(calls_on_this_thread() - before, 1u) << "acquire #" << i << " tried the rejected PIN again";
    }
    for (const Lease& l : held) {
      EXPECT_FALSE(logged_in(module_->api().C_GetSessionInfo(l.handle()).state)) << "logged in with a wrong PIN?";
    }
  }

  // 4. The right PIN makes the same pool work.
  pool->set_pin(Pin(spec().user_pin));
  std::optional<Object> key;
  CK_STATE state = 0;
  try {
    pool->run([&](Lease& l) {
      key.emplace(pool, l, generate_private_key(l, label));
      state = l.api().C_GetSessionInfo(l.handle()).state;
      return 0;
    });
  } catch (const Error& e) {
    expect_no_pin_in(e.what());
    FAIL() << e.what();
  } catch (const LayerError& e) {
    expect_no_pin_in(e.what());
    FAIL() << e.what();
  }
  EXPECT_TRUE(logged_in(state)) << "state " << state;
  EXPECT_TRUE(key->alive());
  EXPECT_EQ(pool->run([&](Lease& l) { return find_by_label(l, label); }).size(), 1u);

  // 5. A wrong PIN set again is tried (once) by the next login only.
  pool->reset();
  pool->set_pin(Pin(wrong_pin_));
  module_->api().C_CloseAllSessions(slot_);  // logs the token out
  try {
    pool->acquire();
    FAIL() << "acquire with a wrong PIN succeeded";
  } catch (const Error& e) {
    expect_no_pin_in(e.what());
    EXPECT_EQ(e.rv(), CKR_PIN_INCORRECT) << e.what();
  }
  EXPECT_GE(messages_.size(), 4u) << "every error above was checked for PINs";
}

// The pool hands out sessions "logged in as user": that must hold for a
// plain acquire() after set_pin() too, not only for run(), which recovers.
TEST_P(SessionPoolPinTest, AcquireAfterSetPinGivesALoggedInSession) {
  auto pool = make_pool_with_wrong_pin(bounded(4));
  try {
    pool->acquire();
    FAIL() << "acquire with a wrong PIN succeeded";
  } catch (const Error& e) {
    expect_no_pin_in(e.what());
    EXPECT_EQ(e.rv(), CKR_PIN_INCORRECT) << e.what();
  }
  pool->set_pin(Pin(spec().user_pin));

  Lease lease = pool->acquire();
  const CK_STATE state = lease.api().C_GetSessionInfo(lease.handle()).state;
  EXPECT_TRUE(logged_in(state)) << "acquire() after set_pin() handed out a logged-out session (state " << state
                                << ")";
  try {
    Object key(pool, lease, generate_private_key(lease, unique_label("after-set-pin")));
    key.reset(lease);
  } catch (const Error& e) {
    expect_no_pin_in(e.what());
    ADD_FAILURE() << "a private key could not be generated on the acquired session: " << e.what();
  }
}

// PINs only matter on tokens that require a login.
INSTANTIATE_TEST_SUITE_P(Tokens, SessionPoolPinTest, ::testing::ValuesIn(TestTokens::where(TestTokens::needs_login)), TokenName());

}  // namespace
}  // namespace sslp11::p11
