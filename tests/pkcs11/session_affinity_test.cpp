// Tests of session affinity in pkcs11/session_pool.cpp (see the top of
// session_pool.h): a thread that returns a lease keeps the session parked for
// itself and gets it back on its next acquire; another thread that finds no
// idle session and no room to open one steals it; a waiter gets a returning
// parked lease handed over; an exiting thread's parked session goes back to
// the idle list; reset() closes parked sessions; and a parked session (with
// its objects) lives as long as it is healthy. The threads-under-load tests
// are in session_affinity_concurrency_test.cpp.
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bounded_threads.h"
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
using test::Clock;
using test::Signal;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;
using test::Worker;

// Bounds for what must happen (generous: a loaded 2-core machine), and the
// window in which something must not.
constexpr auto kMustHappen = 10s;
constexpr auto kMustNotHappen = 200ms;
// Pools wait up to bounded()'s 30 s for a session: a return that failed to
// wake a waiter shows up as a waiter still blocked at kMustHappen.

// HMAC-SHA256 of a fixed message with `key`, in `lease`'s session.
std::vector<CK_BYTE> hmac(const Lease& lease, const Object& key) {
  static const std::array<CK_BYTE, 32> message = {'s', 'e', 's', 's', 'i', 'o', 'n', ' ', 'a', 'f', 'f',
                                                  'i', 'n', 'i', 't', 'y', ' ', 't', 'e', 's', 't'};
  CK_MECHANISM m{CKM_SHA256_HMAC, nullptr, 0};
  lease.api().C_SignInit(lease.handle(), m, key.handle());
  std::vector<CK_BYTE> mac(32);
  mac.resize(lease.api().C_Sign(lease.handle(), message, mac));
  return mac;
}

class SessionAffinityTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    module_ = Module::load(spec().module_path, spec().init_args);
    slot_ = select_token(*module_, test_token_selector(spec())).id;
  }
  const TokenSpec& spec() const { return GetParam(); }
  std::shared_ptr<SessionPool> make_pool(PoolOptions options = {}) const {
    return SessionPool::create(module_, slot_, Pin(spec().user_pin), options);
  }
  // The session is open on the token, on our slot, and logged in where the
  // token needs that.
  void expect_usable(CK_SESSION_HANDLE handle) const {
    const CK_SESSION_INFO info = module_->api().C_GetSessionInfo(handle);
    EXPECT_EQ(info.slotID, slot_);
    EXPECT_NE(info.flags & CKF_RW_SESSION, 0u);
    if (spec().login_required) {
      EXPECT_TRUE(logged_in(info.state)) << "state " << info.state;
    }
  }

  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_ = 0;
};

TEST_P(SessionAffinityTest, AThreadGetsBackTheSessionItParked) {
  auto pool = make_pool(bounded(4));
  CK_SESSION_HANDLE parked = CK_INVALID_HANDLE;
  CK_SESSION_HANDLE other = CK_INVALID_HANDLE;
  {
    Lease first = pool->acquire();
    Lease second = pool->acquire();
    parked = second.handle();
    other = first.handle();
    ASSERT_NE(parked, other);
    // `second` goes back first and is parked for this thread; `first` then
    // finds this thread's place taken and goes to the idle list, so a plain
    // LIFO pool would hand out `first` next.
  }
  EXPECT_EQ(pool->open_sessions(), 2u);
  EXPECT_EQ(pool->idle_sessions(), 2u) << "idle + parked-not-in-use";
  for (int i = 0; i < 50; ++i) {
    const std::uint64_t before = calls_on_this_thread();
    Lease lease = pool->acquire();
    EXPECT_EQ(calls_on_this_thread(), before) << "claiming the parked session needs no token call";
    ASSERT_EQ(lease.handle(), parked) << "round " << i << ": not the session this thread parked";
    EXPECT_EQ(pool->idle_sessions(), 1u) << "the parked session is in use, the other one idle";
    expect_usable(lease.handle());
  }
  EXPECT_EQ(pool->open_sessions(), 2u);
  EXPECT_EQ(pool->idle_sessions(), 2u);
}

TEST_P(SessionAffinityTest, TwoThreadsEachKeepTheirOwnSession) {
  auto pool = make_pool(bounded(2));
  constexpr int kRounds = 300;
  struct Seen {
    std::set<CK_SESSION_HANDLE> handles;
    int unusable = 0;
  };
  auto ready = std::make_shared<std::atomic<int>>(0);
  // Copies only: a worker still running after a failed ASSERT is detached.
  auto work = [pool, ready, slot = slot_, needs_login = spec().login_required] {
    Seen seen;
    {
      // Both threads hold a session at once, so both are opened (else one
      // thread could finish, exit and hand its session over before the
      // other starts). Bounded: on a timeout the handle check below fails.
      Lease first = pool->acquire();
      seen.handles.insert(first.handle());
      ready->fetch_add(1);
      const auto deadline = Clock::now() + kMustHappen;
      while (ready->load() < 2 && Clock::now() < deadline) std::this_thread::yield();
    }
    for (int i = 0; i < kRounds; ++i) {
      Lease lease = pool->acquire();
      seen.handles.insert(lease.handle());
      const CK_SESSION_INFO info = lease.api().C_GetSessionInfo(lease.handle());
      if (info.slotID != slot || (needs_login && !logged_in(info.state))) ++seen.unusable;
    }
    return seen;
  };
  Worker<Seen> a(work);
  Worker<Seen> b(work);
  ASSERT_TRUE(a.ready_within(6 * kMustHappen));
  ASSERT_TRUE(b.ready_within(6 * kMustHappen));
  const Seen sa = a.get();
  const Seen sb = b.get();
  a.join();
  b.join();
  ASSERT_EQ(sa.handles.size(), 1u) << "thread A's session changed between acquires";
  ASSERT_EQ(sb.handles.size(), 1u) << "thread B's session changed between acquires";
  EXPECT_NE(*sa.handles.begin(), *sb.handles.begin()) << "both threads used one session";
  EXPECT_EQ(sa.unusable + sb.unusable, 0);
  EXPECT_EQ(pool->open_sessions(), 2u);
  EXPECT_EQ(pool->idle_sessions(), 2u) << "both threads' sessions are back after they exited";
}

// max_sessions 1: a parked session is still the pool's.
TEST_P(SessionAffinityTest, AnotherThreadStealsAParkedSessionAndTheOwnerGetsItBackAfter) {
  auto pool = make_pool(bounded(1));
  struct Steps {
    Signal parked;
    Signal acquire_again;
    CK_SESSION_HANDLE first = CK_INVALID_HANDLE;
  };
  auto steps = std::make_shared<Steps>();
  // Owner: acquire + return (parks), then, when told, acquire again.
  Worker<CK_SESSION_HANDLE> owner([pool, steps] {
    { steps->first = pool->acquire().handle(); }
    steps->parked.set();
    if (!steps->acquire_again.wait_for(60s)) return CK_SESSION_HANDLE(CK_INVALID_HANDLE);
    Lease again = pool->acquire();
    again.api().C_GetSessionInfo(again.handle());
    return again.handle();
  });
  ASSERT_TRUE(steps->parked.wait_for(kMustHappen));
  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 1u) << "a parked session that is not in use counts as idle";

  // The owner thread is alive and has it parked; another thread steals it,
  // holds it until told to let go, and stays alive after that (its exit
  // would hand back a session it parked, hiding a waiter left asleep).
  struct Thief {
    Signal stolen;
    Signal release;
    Signal exit;
    CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  };
  auto thief_steps = std::make_shared<Thief>();
  Worker<bool> thief([pool, thief_steps] {
    {
      Lease lease = pool->acquire();
      thief_steps->handle = lease.handle();
      lease.api().C_GetSessionInfo(lease.handle());
      thief_steps->stolen.set();
      if (!thief_steps->release.wait_for(60s)) return false;
    }
    return thief_steps->exit.wait_for(60s);
  });
  ASSERT_TRUE(thief_steps->stolen.wait_for(kMustHappen)) << "stealing the parked session waited";
  EXPECT_EQ(thief_steps->handle, steps->first);
  expect_usable(thief_steps->handle);
  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 0u);

  // The owner's next acquire finds its session taken and waits for it.
  steps->acquire_again.set();
  EXPECT_FALSE(owner.ready_within(kMustNotHappen)) << "the owner got a session while the only one was leased";
  thief_steps->release.set();
  ASSERT_TRUE(owner.ready_within(kMustHappen)) << "the owner was not given the session back";
  EXPECT_EQ(owner.get(), steps->first);  // rethrows a timeout
  owner.join();
  thief_steps->exit.set();
  ASSERT_TRUE(thief.ready_within(kMustHappen));
  EXPECT_TRUE(thief.get());
  thief.join();
  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 1u);
}

TEST_P(SessionAffinityTest, AWaiterIsHandedAParkedLeaseWhenItComesBack) {
  auto pool = make_pool(bounded(1));
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  { handle = pool->acquire().handle(); }  // parked for this thread
  std::optional<Lease> held(pool->acquire());  // claimed: it parks again on return unless someone waits
  ASSERT_EQ(held->handle(), handle);

  auto returned_at = std::make_shared<std::atomic<Clock::rep>>(0);
  Worker<std::pair<CK_SESSION_HANDLE, Clock::duration>> waiter([pool, returned_at] {
    Lease l = pool->acquire();
    const Clock::duration after_return = Clock::now() - Clock::time_point(Clock::duration(returned_at->load()));
    l.api().C_GetSessionInfo(l.handle());
    return std::make_pair(l.handle(), after_return);
  });
  EXPECT_FALSE(waiter.ready_within(kMustNotHappen)) << "a second lease with max_sessions 1";

  returned_at->store(Clock::now().time_since_epoch().count());
  held.reset();
  ASSERT_TRUE(waiter.ready_within(kMustHappen)) << "the waiter was not woken by the parked lease's return";
  const auto [got, after_return] = waiter.get();
  EXPECT_EQ(got, handle);
  EXPECT_LT(after_return, kMustHappen);
  waiter.join();  // its own parked session goes back to the idle list as it exits

  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 1u);
  const auto start = Clock::now();
  Lease again = pool->acquire();
  EXPECT_LT(Clock::now() - start, kMustHappen);
  EXPECT_EQ(again.handle(), handle);
  expect_usable(again.handle());
}

TEST_P(SessionAffinityTest, AnExitingThreadReturnsItsParkedSession) {
  auto pool = make_pool(bounded(4));
  struct Steps {
    Signal parked;
    Signal exit;
    CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
    std::optional<Object> key;
  };
  auto steps = std::make_shared<Steps>();
  const std::string label = unique_label("exiting-thread");
  Worker<bool> thread([pool, steps, label] {
    {
      Lease lease = pool->acquire();
      steps->handle = lease.handle();
      steps->key.emplace(pool, lease, generate_private_key(lease, label));
    }
    steps->parked.set();
    return steps->exit.wait_for(60s);
  });
  ASSERT_TRUE(steps->parked.wait_for(kMustHappen));
  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 1u) << "parked with a live thread, not in use";

  steps->exit.set();
  ASSERT_TRUE(thread.ready_within(kMustHappen));
  EXPECT_TRUE(thread.get());
  thread.join();  // the thread's exit runs its parked-session hand-back

  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 1u);
  // With room for 3 more, an acquire would open a new session if the exited
  // thread still had its session parked; it takes the idle one instead.
  const std::uint64_t before = calls_on_this_thread();
  {
    Lease lease = pool->acquire();
    EXPECT_EQ(calls_on_this_thread(), before) << "acquire made a token call (opened a session?)";
    EXPECT_EQ(lease.handle(), steps->handle);
    EXPECT_EQ(pool->open_sessions(), 1u) << "a new session was opened beside the exited thread's";
    ASSERT_TRUE(steps->key->alive()) << "the session went away with the thread";
    EXPECT_EQ(hmac(lease, *steps->key).size(), 32u);
  }
  EXPECT_EQ(pool->open_sessions(), 1u);
}

TEST_P(SessionAffinityTest, ResetClosesAParkedIdleSessionAndTheThreadGetsAFreshOne) {
  auto pool = make_pool(bounded(4));
  CK_SESSION_HANDLE old_handle = CK_INVALID_HANDLE;
  std::optional<Object> old_key;
  {
    Lease lease = pool->acquire();
    old_handle = lease.handle();
    old_key.emplace(pool, lease, generate_private_key(lease, unique_label("before-reset")));
  }
  ASSERT_EQ(pool->idle_sessions(), 1u);

  pool->reset();
  EXPECT_EQ(pool->open_sessions(), 0u) << "the parked idle session was not closed";
  EXPECT_EQ(pool->idle_sessions(), 0u);
  EXPECT_FALSE(old_key->alive()) << "the object outlived its closed session";
  try {
    module_->api().C_GetSessionInfo(old_handle);
    ADD_FAILURE() << "the parked session is still open on the token";
  } catch (const Error& e) {
    EXPECT_EQ(e.rv(), CKR_SESSION_HANDLE_INVALID) << e.what();
  }

  CK_SESSION_HANDLE fresh = CK_INVALID_HANDLE;
  {
    Lease lease = pool->acquire();  // this thread still remembers the closed one
    fresh = lease.handle();
    EXPECT_TRUE(pool->is_current(*lease.record()));
    expect_usable(fresh);
    Object key(pool, lease, generate_private_key(lease, unique_label("after-reset")));
    EXPECT_EQ(hmac(lease, key).size(), 32u);
    key.reset(lease);
    EXPECT_EQ(pool->open_sessions(), 1u);
  }
  // The fresh one is parked in the closed one's place.
  const std::uint64_t before = calls_on_this_thread();
  Lease again = pool->acquire();
  EXPECT_EQ(calls_on_this_thread(), before);
  EXPECT_EQ(again.handle(), fresh);
  EXPECT_EQ(pool->open_sessions(), 1u);
}

TEST_P(SessionAffinityTest, ResetClosesAParkedSessionInUseWhenItComesBack) {
  auto pool = make_pool(bounded(4));
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  { handle = pool->acquire().handle(); }
  std::optional<Lease> held(pool->acquire());
  ASSERT_EQ(held->handle(), handle) << "not the parked session";

  pool->reset();
  EXPECT_EQ(pool->open_sessions(), 1u) << "the session in use was closed under its lease";
  EXPECT_EQ(pool->idle_sessions(), 0u);
  expect_usable(handle);

  held.reset();
  EXPECT_EQ(pool->open_sessions(), 0u) << "a parked session leased before reset() was kept on return";
  EXPECT_EQ(pool->idle_sessions(), 0u);
  EXPECT_THROW(module_->api().C_GetSessionInfo(handle), Error);

  Lease fresh = pool->acquire();
  expect_usable(fresh.handle());
  EXPECT_EQ(pool->open_sessions(), 1u);
}

// The pool never closes a healthy parked session: an object made in it lives
// on while other threads steal the session and threads come and go.
TEST_P(SessionAffinityTest, ObjectsInAParkedSessionStayUsable) {
  auto pool = make_pool(bounded(1));
  std::optional<Object> key;
  std::vector<CK_BYTE> expected;
  CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;
  {
    Lease lease = pool->acquire();
    handle = lease.handle();
    key.emplace(pool, lease, generate_private_key(lease, unique_label("parked")));
    expected = hmac(lease, *key);
  }
  ASSERT_EQ(expected.size(), 32u);
  auto key_ptr = std::make_shared<Object>(std::move(*key));
  key.reset();

  for (int round = 0; round < 5; ++round) {
    // Another thread steals this thread's parked session (max_sessions 1),
    // signs with the key, parks it for itself and exits.
    Worker<std::pair<CK_SESSION_HANDLE, std::vector<CK_BYTE>>> other([pool, key_ptr] {
      Lease lease = pool->acquire();
      return std::make_pair(lease.handle(), hmac(lease, *key_ptr));
    });
    ASSERT_TRUE(other.ready_within(kMustHappen)) << "round " << round;
    const auto [their_handle, their_mac] = other.get();
    other.join();
    EXPECT_EQ(their_handle, handle) << "round " << round;
    EXPECT_EQ(their_mac, expected) << "round " << round;
    ASSERT_TRUE(key_ptr->alive()) << "round " << round << ": the parked session was closed";

    Lease lease = pool->acquire();
    EXPECT_EQ(lease.handle(), handle);
    EXPECT_EQ(hmac(lease, *key_ptr), expected) << "round " << round;
    EXPECT_EQ(pool->open_sessions(), 1u);
  }
  EXPECT_TRUE(key_ptr->alive());
  key_ptr.reset();  // destroys the object on the token, through the pool
  EXPECT_EQ(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), 1u);
}

TEST_P(SessionAffinityTest, NestedAcquireWhileHoldingTheParkedLeaseGetsAnotherSession) {
  auto pool = make_pool(bounded(4));
  CK_SESSION_HANDLE parked = CK_INVALID_HANDLE;
  { parked = pool->acquire().handle(); }

  CK_SESSION_HANDLE inner_handle = CK_INVALID_HANDLE;
  {
    Lease outer = pool->acquire();
    ASSERT_EQ(outer.handle(), parked);
    {
      Lease inner = pool->acquire();
      inner_handle = inner.handle();
      EXPECT_NE(inner_handle, parked) << "the parked session was leased twice";
      expect_usable(outer.handle());
      expect_usable(inner.handle());
      EXPECT_EQ(pool->open_sessions(), 2u);
      EXPECT_EQ(pool->idle_sessions(), 0u);
    }
    EXPECT_EQ(pool->idle_sessions(), 1u);
  }
  EXPECT_EQ(pool->open_sessions(), 2u);
  EXPECT_EQ(pool->idle_sessions(), 2u);
  {
    Lease again = pool->acquire();
    EXPECT_EQ(again.handle(), parked) << "the outer session is no longer parked for this thread";
  }

  // The other order: the outer lease goes back before the inner one.
  std::optional<Lease> outer(pool->acquire());
  ASSERT_EQ(outer->handle(), parked);
  std::optional<Lease> inner(pool->acquire());
  EXPECT_EQ(inner->handle(), inner_handle) << "the idle session was not reused";
  outer.reset();
  inner.reset();
  EXPECT_EQ(pool->open_sessions(), 2u);
  EXPECT_EQ(pool->idle_sessions(), 2u);
  Lease again = pool->acquire();
  EXPECT_EQ(again.handle(), parked);
  expect_usable(again.handle());
}

INSTANTIATE_TEST_SUITE_P(Tokens, SessionAffinityTest, ::testing::ValuesIn(TestTokens::all()), TokenName());

}  // namespace
}  // namespace sslp11::p11
