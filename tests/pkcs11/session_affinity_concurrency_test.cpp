// Session affinity (pkcs11/session_pool.cpp) under contention: more threads
// than sessions, so parked sessions are claimed by their threads, stolen by
// others and handed to waiters all at once; and threads that exit while
// others steal. Every lease makes a real token call and checks that no other
// thread holds its session at the same moment. Part of test_pkcs11_concurrency
// (CTest label "concurrency"), so a ThreadSanitizer build runs it.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bounded_threads.h"
#include "pkcs11/session_pool.h"
#include "pkcs11/token.h"
#include "pool_test_kit.h"
#include "support/test_tokens.h"

namespace sslp11::p11 {
namespace {

using namespace std::chrono_literals;
using namespace pooltest;
using test::Clock;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;
using test::Worker;

// Who holds which session right now, keyed by session handle, in atomics only
// (relaxed: a lock or fence here would order the threads for ThreadSanitizer
// and hide a missing one in the pool). A read-modify-write always sees the
// latest value, so two holders at once are caught whatever the ordering.
class HoldersByHandle {
 public:
  // This thread now holds `h`; false when another thread holds it too.
  bool enter(CK_SESSION_HANDLE h) {
    const std::size_t i = slot(h);
    if (i == kSlots) return false;
    return holders_[i].fetch_add(1, std::memory_order_relaxed) == 0;
  }
  void leave(CK_SESSION_HANDLE h) {
    const std::size_t i = slot(h);
    if (i != kSlots) holders_[i].fetch_sub(1, std::memory_order_relaxed);
  }
  // Sessions ever seen.
  std::size_t distinct() const {
    std::size_t n = 0;
    for (const auto& k : keys_) n += k.load(std::memory_order_relaxed) != 0 ? 1 : 0;
    return n;
  }
  bool overflowed() const { return overflow_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::size_t kSlots = 64;

  std::size_t slot(CK_SESSION_HANDLE h) {
    for (std::size_t i = 0; i < kSlots; ++i) {
      CK_SESSION_HANDLE k = keys_[i].load(std::memory_order_relaxed);
      if (k == h) return i;
      if (k == CK_INVALID_HANDLE) {
        if (keys_[i].compare_exchange_strong(k, h, std::memory_order_relaxed) || k == h) return i;
      }
    }
    overflow_.store(true, std::memory_order_relaxed);
    return kSlots;
  }

  std::array<std::atomic<CK_SESSION_HANDLE>, kSlots> keys_{};
  std::array<std::atomic<int>, kSlots> holders_{};
  std::atomic<bool> overflow_{false};
};

// What the threads of one test share (owned jointly: a worker that outlives a
// failed test is detached, not joined).
struct Tally {
  explicit Tally(CK_SLOT_ID slot_id, bool needs) : slot(slot_id), needs_login(needs) {}
  const CK_SLOT_ID slot;
  const bool needs_login;
  HoldersByHandle holders;
  std::atomic<long> leases{0};
  std::atomic<int> double_leases{0};
  std::atomic<int> wrong_sessions{0};
  std::atomic<int> errors{0};
  std::atomic<long> moves{0};  // a thread's lease on another session than its previous one (not asserted)
  std::mutex first_error_mutex;
  std::string first_error;

  void error(const std::exception& e) {
    if (errors.fetch_add(1) == 0) {
      std::lock_guard lock(first_error_mutex);
      first_error = e.what();
    }
  }
};

// One lease: acquire, check nobody else holds the session, make a real token
// call (two while "holding" on odd rounds, so leases overlap more), give back.
// `previous`: this thread's previous session.
void one_lease(SessionPool& pool, Tally& t, int round, CK_SESSION_HANDLE& previous) {
  try {
    Lease lease = pool.acquire();
    const CK_SESSION_HANDLE h = lease.handle();
    if (!t.holders.enter(h)) ++t.double_leases;
    if (previous != CK_INVALID_HANDLE && previous != h) ++t.moves;
    previous = h;
    const CK_SESSION_INFO info = lease.api().C_GetSessionInfo(h);
    if (info.slotID != t.slot || (info.flags & CKF_RW_SESSION) == 0 || (t.needs_login && !logged_in(info.state))) {
      ++t.wrong_sessions;
    }
    if (round % 2 == 1) {
      std::this_thread::yield();
      lease.api().C_GetSessionInfo(h);
    }
    t.holders.leave(h);
    ++t.leases;
  } catch (const std::exception& e) {
    t.error(e);
  }
}

class SessionAffinityConcurrencyTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    module_ = Module::load(spec().module_path, spec().init_args);
    slot_ = select_token(*module_, test_token_selector(spec())).id;
  }
  const TokenSpec& spec() const { return GetParam(); }

  void expect_clean(const Tally& t, long expected_leases, const std::shared_ptr<SessionPool>& pool,
                    std::size_t max_sessions) {
    EXPECT_EQ(t.errors.load(), 0) << "first error: " << t.first_error;
    EXPECT_EQ(t.leases.load(), expected_leases);
    EXPECT_EQ(t.double_leases.load(), 0) << "a session was leased to two threads at once";
    EXPECT_EQ(t.wrong_sessions.load(), 0) << "a lease's session was not open, read/write and logged in";
    EXPECT_FALSE(t.holders.overflowed()) << "more distinct session handles than the table holds";
    EXPECT_GE(t.holders.distinct(), 1u);
    EXPECT_LE(t.holders.distinct(), max_sessions) << "more sessions than max_sessions were opened";
    EXPECT_LE(pool->open_sessions(), max_sessions);
    EXPECT_GE(pool->open_sessions(), 1u);
    EXPECT_EQ(pool->idle_sessions(), pool->open_sessions())
        << "a session is still leased, or parked with a thread that exited";
  }

  // After every thread ended, this thread can hold max_sessions leases at
  // once: no session is stuck in use or parked with a thread that is gone.
  void expect_all_sessions_free(const std::shared_ptr<SessionPool>& pool, std::size_t max_sessions) {
    std::vector<Lease> all;
    const std::size_t open_before = pool->open_sessions();
    try {
      for (std::size_t i = 0; i < max_sessions; ++i) all.push_back(pool->acquire());
    } catch (const std::exception& e) {
      ADD_FAILURE() << "only " << all.size() << " of " << max_sessions << " sessions could be leased: " << e.what();
    }
    EXPECT_EQ(all.size(), max_sessions);
    EXPECT_LE(pool->open_sessions(), max_sessions);
    EXPECT_GE(pool->open_sessions(), open_before);
  }

  // `threads` threads that start together (bounded: the first opens race too)
  // and make `leases` leases each; joined, so their exits have handed their
  // parked sessions back. Returns how long it took.
  static std::chrono::milliseconds lease_together(const std::shared_ptr<SessionPool>& pool,
                                                  const std::shared_ptr<Tally>& tally, int threads, int leases) {
    auto ready = std::make_shared<std::atomic<int>>(0);
    std::vector<std::unique_ptr<Worker<void>>> workers;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
      workers.push_back(std::make_unique<Worker<void>>([pool, tally, ready, threads, leases] {
        ready->fetch_add(1);
        const auto deadline = Clock::now() + 10s;
        while (ready->load() < threads && Clock::now() < deadline) std::this_thread::yield();
        CK_SESSION_HANDLE previous = CK_INVALID_HANDLE;
        for (int i = 0; i < leases; ++i) one_lease(*pool, *tally, i, previous);
      }));
    }
    for (auto& w : workers) EXPECT_TRUE(w->ready_within(300s)) << "a thread hung";
    for (auto& w : workers) {
      if (w->ready_within(0s)) w->join();
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  }

  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_ = 0;
};

TEST_P(SessionAffinityConcurrencyTest, EightThreadsHoldAndReturnOnFourSessions) {
  constexpr int kThreads = 8;
  constexpr int kLeasesPerThread = 2000;
  constexpr std::size_t kMaxSessions = 4;
  // Waits are short (leases are), so a waiter left asleep by a return shows up
  // as an error rather than a slow test.
  auto pool = SessionPool::create(module_, slot_, Pin(spec().user_pin), bounded(kMaxSessions, 20s));
  auto tally = std::make_shared<Tally>(slot_, spec().login_required);
  const auto ms = lease_together(pool, tally, kThreads, kLeasesPerThread);
  ASSERT_FALSE(HasFailure());

  std::cout << "[" << spec().name << "] " << tally->leases.load() << " leases on " << tally->holders.distinct()
            << " sessions in " << ms.count() << " ms (" << tally->moves.load() << " moves between sessions); open "
            << pool->open_sessions() << ", idle " << pool->idle_sessions() << "\n";
  expect_clean(*tally, long(kThreads) * kLeasesPerThread, pool, kMaxSessions);
  expect_all_sessions_free(pool, kMaxSessions);
}

TEST_P(SessionAffinityConcurrencyTest, ThreadsExitWhileOthersSteal) {
  constexpr int kSteadyThreads = 3;
  constexpr int kRounds = 200;
  constexpr int kExitingPerRound = 3;
  constexpr int kLeasesPerExitingThread = 6;
  constexpr std::size_t kMaxSessions = 4;
  auto pool = SessionPool::create(module_, slot_, Pin(spec().user_pin), bounded(kMaxSessions, 20s));
  auto tally = std::make_shared<Tally>(slot_, spec().login_required);
  auto churning = std::make_shared<std::atomic<bool>>(true);
  auto steady_leases = std::make_shared<std::atomic<long>>(0);

  // Steady threads lease all along; with the exiting threads' parked sessions
  // taking room, they often find no idle session and steal one.
  std::vector<std::unique_ptr<Worker<void>>> steady;
  for (int t = 0; t < kSteadyThreads; ++t) {
    steady.push_back(std::make_unique<Worker<void>>([pool, tally, churning, steady_leases] {
      const auto deadline = Clock::now() + 300s;
      CK_SESSION_HANDLE previous = CK_INVALID_HANDLE;
      for (int i = 0; churning->load() && Clock::now() < deadline; ++i) {
        one_lease(*pool, *tally, i, previous);
        ++*steady_leases;
      }
    }));
  }
  const auto start = Clock::now();
  long exiting_leases = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::unique_ptr<Worker<void>>> exiting;
    for (int t = 0; t < kExitingPerRound; ++t) {
      // Each parks a session on its first return and exits holding it parked.
      exiting.push_back(std::make_unique<Worker<void>>([pool, tally] {
        CK_SESSION_HANDLE previous = CK_INVALID_HANDLE;
        for (int i = 0; i < kLeasesPerExitingThread; ++i) one_lease(*pool, *tally, i, previous);
      }));
    }
    for (auto& t : exiting) ASSERT_TRUE(t->ready_within(60s)) << "round " << round << ": a thread hung";
    for (auto& t : exiting) t->join();
    exiting_leases += long(kExitingPerRound) * kLeasesPerExitingThread;
  }
  churning->store(false);
  for (auto& t : steady) ASSERT_TRUE(t->ready_within(60s)) << "a steady thread hung";
  for (auto& t : steady) t->join();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);

  std::cout << "[" << spec().name << "] " << kRounds * kExitingPerRound << " threads exited beside "
            << kSteadyThreads << " steady ones; " << tally->leases.load() << " leases on "
            << tally->holders.distinct() << " sessions in " << ms.count() << " ms (" << tally->moves.load()
            << " moves between sessions); open " << pool->open_sessions() << ", idle " << pool->idle_sessions()
            << "\n";
  expect_clean(*tally, exiting_leases + steady_leases->load(), pool, kMaxSessions);
  expect_all_sessions_free(pool, kMaxSessions);
}

// One session, four threads: every return meets a waiter, so a parked lease
// is handed over (not parked again) nearly every time, while the owner's
// claim, a steal and the hand-over race for it.
TEST_P(SessionAffinityConcurrencyTest, FourThreadsTakeTurnsOnOneSession) {
  constexpr int kThreads = 4;
  constexpr int kLeasesPerThread = 1000;
  constexpr std::size_t kMaxSessions = 1;
  auto pool = SessionPool::create(module_, slot_, Pin(spec().user_pin), bounded(kMaxSessions, 20s));
  auto tally = std::make_shared<Tally>(slot_, spec().login_required);
  const auto ms = lease_together(pool, tally, kThreads, kLeasesPerThread);
  ASSERT_FALSE(HasFailure());

  std::cout << "[" << spec().name << "] " << tally->leases.load() << " leases on " << tally->holders.distinct()
            << " session in " << ms.count() << " ms\n";
  expect_clean(*tally, long(kThreads) * kLeasesPerThread, pool, kMaxSessions);
  expect_all_sessions_free(pool, kMaxSessions);
}

INSTANTIATE_TEST_SUITE_P(Tokens, SessionAffinityConcurrencyTest, ::testing::ValuesIn(TestTokens::all()),
                         TokenName());

}  // namespace
}  // namespace sslp11::p11
