// Tests of pkcs11/call_gate.cpp, the module's call lock: many shared holders
// at once, an exclusive holder keeps them out, try_lock_for gives up after its
// wait and reopens the gate, a nested shared holder passes a closing gate,
// and exclusive holders take turns. No token needed.
//
// Nothing here may hang: every wait is bounded, and every thread that could
// still be blocked when a test fails is detached rather than joined (what it
// uses is kept alive by a shared_ptr), so a broken gate shows up as a failed
// test. Where a test must show that something does NOT happen (a shared holder
// stays out while the gate is closed), it watches for a bounded window.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <ostream>
#include <shared_mutex>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bounded_threads.h"
#include "pkcs11/call_gate.h"

namespace sslp11::p11 {
namespace {

using namespace std::chrono_literals;
using test::Clock;
using test::Signal;
using test::Worker;

// Generous bounds for things that must happen (a loaded 2-core CI machine, a
// sanitizer build); short windows for things that must not.
constexpr auto kMustHappen = 10s;
constexpr auto kMustNotHappen = 150ms;
// How long the writers of two tests wait for shared holders to leave.
constexpr auto kShortWriterWait = 1500ms;
constexpr auto kLongWriterWait = 8s;

// Everything the threads of one test share, owned jointly so a detached thread
// never outlives it.
struct Shared {
  CallGate gate;
  std::atomic<int> inside{0};
  std::atomic<bool> flag{false};
  Signal step1;
  Signal step2;
  Signal step3;
  Signal step4;
};

// Waits (bounded) until an exclusive holder has closed the gate, probing with
// try_lock_shared from this thread, which must not hold the gate.
bool wait_until_closed(CallGate& gate, Clock::duration bound = kMustHappen) {
  const auto deadline = Clock::now() + bound;
  while (Clock::now() < deadline) {
    if (!gate.try_lock_shared()) return true;
    gate.unlock_shared();
    std::this_thread::yield();
  }
  return false;
}

enum class Probe { got_in, kept_out, blocked };

std::ostream& operator<<(std::ostream& os, Probe p) {
  return os << (p == Probe::got_in ? "got in" : p == Probe::kept_out ? "kept out" : "blocked in try_lock_shared");
}

// try_lock_shared from a thread of its own (so this thread's holds do not count).
Probe try_shared_from_another_thread(const std::shared_ptr<Shared>& s) {
  Worker<bool> probe([s] {
    if (!s->gate.try_lock_shared()) return false;
    s->gate.unlock_shared();
    return true;
  });
  if (!probe.ready_within(kMustHappen)) return Probe::blocked;
  return probe.get() ? Probe::got_in : Probe::kept_out;
}

TEST(CallGateTest, ManySharedHoldersAtOnce) {
  auto s = std::make_shared<Shared>();
  constexpr int kThreads = 4;
  std::vector<std::unique_ptr<Worker<bool>>> holders;
  for (int t = 0; t < kThreads; ++t) {
    holders.push_back(std::make_unique<Worker<bool>>([s] {
      std::shared_lock lock(s->gate);
      s->inside.fetch_add(1);
      // Stay until every holder is inside: they hold the gate together.
      const auto deadline = Clock::now() + kMustHappen;
      while (s->inside.load() < kThreads) {
        if (Clock::now() >= deadline) return false;
        std::this_thread::yield();
      }
      return true;
    }));
  }
  for (auto& h : holders) {
    ASSERT_TRUE(h->ready_within(kMustHappen)) << "a shared holder blocked another";
    EXPECT_TRUE(h->get()) << "not all " << kThreads << " shared holders were inside at once";
  }
  // Every hold was given back: the gate drains at once.
  std::unique_lock exclusive(s->gate, std::defer_lock);
  EXPECT_TRUE(exclusive.try_lock_for(0ms));
}

TEST(CallGateTest, SharedHolderOnOneThreadDoesNotStopOthers) {
  auto s = std::make_shared<Shared>();
  std::shared_lock mine(s->gate);
  EXPECT_EQ(try_shared_from_another_thread(s), Probe::got_in);
  Worker<bool> other([s] {
    std::shared_lock lock(s->gate);
    return lock.owns_lock();
  });
  ASSERT_TRUE(other.ready_within(kMustHappen));
  EXPECT_TRUE(other.get());
}

TEST(CallGateTest, ExclusiveHolderKeepsSharedHoldersOutUntilUnlock) {
  auto s = std::make_shared<Shared>();
  ASSERT_TRUE(s->gate.try_lock_for(1s)) << "an unused gate could not be taken exclusively";

  EXPECT_EQ(try_shared_from_another_thread(s), Probe::kept_out)
      << "try_lock_shared succeeded under an exclusive holder";
  Worker<bool> reader([s] {
    s->gate.lock_shared();
    const bool alone = s->inside.fetch_add(1) == 0;
    s->inside.fetch_sub(1);
    s->gate.unlock_shared();
    return alone;
  });
  EXPECT_FALSE(reader.ready_within(kMustNotHappen)) << "lock_shared got in under an exclusive holder";
  EXPECT_EQ(s->inside.load(), 0);

  s->gate.unlock();
  ASSERT_TRUE(reader.ready_within(kMustHappen)) << "the shared holder was not let in after unlock()";
  EXPECT_TRUE(reader.get());
  // And it gave its hold back: exclusive again at once.
  EXPECT_TRUE(s->gate.try_lock_for(0ms));
  s->gate.unlock();
}

TEST(CallGateTest, TryLockForGivesUpWhileASharedHolderStaysThenReopens) {
  auto s = std::make_shared<Shared>();
  // A shared holder that stays until told to go.
  Worker<bool> holder([s] {
    std::shared_lock lock(s->gate);
    s->step1.set();
    return s->step2.wait_for(60s);
  });
  ASSERT_TRUE(s->step1.wait_for(kMustHappen));

  constexpr auto kWriterWait = kShortWriterWait;
  Worker<std::pair<bool, Clock::duration>> writer([s] {
    const auto start = Clock::now();
    std::unique_lock exclusive(s->gate, std::defer_lock);
    const bool got = exclusive.try_lock_for(kShortWriterWait);
    return std::make_pair(got, Clock::now() - start);
  });
  // Writer-preferring: while it waits, new shared holders wait too.
  ASSERT_TRUE(wait_until_closed(s->gate)) << "the writer never closed the gate";
  Worker<bool> late_reader([s] {
    std::shared_lock lock(s->gate);
    return lock.owns_lock();
  });
  EXPECT_FALSE(late_reader.ready_within(kMustNotHappen)) << "a new shared holder passed the closing gate";

  ASSERT_TRUE(writer.ready_within(kWriterWait + kMustHappen)) << "try_lock_for did not give up";
  const auto [got, waited] = writer.get();
  EXPECT_FALSE(got) << "exclusive while a shared holder was inside";
  EXPECT_GE(waited, kWriterWait) << "gave up before its wait was over";
  EXPECT_LT(waited, kWriterWait + kMustHappen);

  // Reopened: the waiting reader gets in, and so does a new one, while the
  // first holder is still inside.
  ASSERT_TRUE(late_reader.ready_within(kMustHappen)) << "the gate stayed closed after try_lock_for gave up";
  EXPECT_TRUE(late_reader.get());
  EXPECT_EQ(try_shared_from_another_thread(s), Probe::got_in);

  s->step2.set();
  ASSERT_TRUE(holder.ready_within(kMustHappen));
  EXPECT_TRUE(holder.get());
  EXPECT_TRUE(s->gate.try_lock_for(0ms)) << "the gate did not drain after the holder left";
  s->gate.unlock();
}

TEST(CallGateTest, TryLockForByASharedHolderFailsWithoutWaitingForItself) {
  auto s = std::make_shared<Shared>();
  {
    std::shared_lock mine(s->gate);
    const auto start = Clock::now();
    std::unique_lock exclusive(s->gate, std::defer_lock);
    EXPECT_FALSE(exclusive.try_lock_for(0ms)) << "exclusive under this thread's own shared hold";
    EXPECT_LT(Clock::now() - start, 1s) << "try_lock_for(0) waited";

    // A wait does not help either: it cannot drain this thread's own hold.
    const auto start2 = Clock::now();
    EXPECT_FALSE(s->gate.try_lock_for(100ms));
    const auto waited = Clock::now() - start2;
    EXPECT_GE(waited, 100ms);
    EXPECT_LT(waited, kMustHappen);

    // Both attempts reopened the gate: other threads, and this one nested, get in.
    EXPECT_EQ(try_shared_from_another_thread(s), Probe::got_in);
    std::shared_lock nested(s->gate);
    EXPECT_TRUE(nested.owns_lock());
  }
  // Without the holds it succeeds at once.
  const auto start = Clock::now();
  EXPECT_TRUE(s->gate.try_lock_for(0ms));
  EXPECT_LT(Clock::now() - start, 1s);
  s->gate.unlock();
}

TEST(CallGateTest, NestedSharedHolderPassesAWaitingWriter) {
  auto s = std::make_shared<Shared>();
  // step1: the outer hold is taken; step2: take the nested one now; step3:
  // the nested hold is taken; step4: release everything.
  Worker<int> nester([s] {
    int result = 0;
    std::shared_lock outer(s->gate);
    s->step1.set();
    if (!s->step2.wait_for(60s)) return -1;
    if (s->gate.try_lock_shared()) {
      result |= 1;
      s->gate.unlock_shared();
    }
    {
      std::shared_lock nested(s->gate);  // must pass the closing gate, not wait for the writer
      result |= 2;
      s->step3.set();
      if (!s->step4.wait_for(60s)) return -2;
    }
    return result;
  });
  ASSERT_TRUE(s->step1.wait_for(kMustHappen));

  // A writer that waits long enough to tell "passed" from "waited it out".
  constexpr auto kWriterWait = kLongWriterWait;
  Worker<bool> writer([s] {
    if (!s->gate.try_lock_for(kLongWriterWait)) return false;
    s->gate.unlock();
    return true;
  });
  ASSERT_TRUE(wait_until_closed(s->gate)) << "the writer never closed the gate";

  const auto start = Clock::now();
  s->step2.set();
  ASSERT_TRUE(s->step3.wait_for(kWriterWait + kMustHappen)) << "the nested shared hold was never taken";
  EXPECT_LT(Clock::now() - start, kWriterWait / 2)
      << "the nested shared hold waited for the writer (a deadlock broken only by its timeout)";
  EXPECT_FALSE(writer.ready_within(0s)) << "the writer finished while a shared holder was inside";
  EXPECT_EQ(try_shared_from_another_thread(s), Probe::kept_out)
      << "the gate opened for a new holder while the writer waited";

  s->step4.set();
  ASSERT_TRUE(nester.ready_within(kMustHappen));
  EXPECT_EQ(nester.get(), 3) << "1: try_lock_shared nested, 2: lock_shared nested";
  ASSERT_TRUE(writer.ready_within(kMustHappen)) << "the writer did not get the gate once the holder left";
  EXPECT_TRUE(writer.get()) << "the writer gave up although every holder left";
}

TEST(CallGateTest, ExclusiveAttemptsTakeTurns) {
  auto s = std::make_shared<Shared>();
  ASSERT_TRUE(s->gate.try_lock_for(0ms));

  // A second exclusive attempt waits out its time and fails.
  Worker<std::pair<bool, Clock::duration>> impatient([s] {
    const auto start = Clock::now();
    const bool got = s->gate.try_lock_for(100ms);
    if (got) s->gate.unlock();
    return std::make_pair(got, Clock::now() - start);
  });
  ASSERT_TRUE(impatient.ready_within(kMustHappen));
  const auto [got, waited] = impatient.get();
  EXPECT_FALSE(got) << "two exclusive holders at once";
  EXPECT_GE(waited, 100ms);

  // A patient one gets it once the first lets go, not before.
  Worker<bool> patient([s] {
    if (!s->gate.try_lock_for(kMustHappen * 3)) return false;
    const bool after = s->flag.load();  // the first holder let go
    s->gate.unlock();
    return after;
  });
  EXPECT_FALSE(patient.ready_within(kMustNotHappen)) << "a second exclusive holder got in";
  s->flag = true;
  s->gate.unlock();
  ASSERT_TRUE(patient.ready_within(kMustHappen));
  EXPECT_TRUE(patient.get()) << "the second exclusive holder got in before the first let go";
}

// Two writers and three readers hammer one gate: never two writers at once,
// never a reader beside a writer, and every bounded attempt succeeds (readers
// let go quickly).
TEST(CallGateTest, ExclusiveAndSharedHoldersNeverOverlap) {
  struct State {
    CallGate gate;
    std::atomic<int> readers{0};
    std::atomic<int> writers{0};
    std::atomic<int> overlaps{0};
    std::atomic<int> writer_failures{0};
    std::atomic<int> writers_running{2};
    std::atomic<int> readers_started{0};
    std::atomic<long> shared_holds{0};
  };
  auto st = std::make_shared<State>();
  constexpr int kWriterRounds = 200;
  std::vector<std::unique_ptr<Worker<void>>> threads;
  for (int w = 0; w < 2; ++w) {
    threads.push_back(std::make_unique<Worker<void>>([st] {
      // The readers are running first (bounded): else, on a slow build, the
      // writers can finish before a reader thread has even started.
      const auto start_by = Clock::now() + kMustHappen;
      while (st->readers_started.load() < 3 && Clock::now() < start_by) std::this_thread::yield();
      for (int i = 0; i < kWriterRounds; ++i) {
        std::unique_lock exclusive(st->gate, std::defer_lock);
        if (!exclusive.try_lock_for(kMustHappen)) {
          ++st->writer_failures;
          continue;
        }
        if (st->writers.fetch_add(1) != 0) ++st->overlaps;
        if (st->readers.load() != 0) ++st->overlaps;
        std::this_thread::yield();
        if (st->readers.load() != 0) ++st->overlaps;
        st->writers.fetch_sub(1);
      }
      st->writers_running.fetch_sub(1);
    }));
  }
  for (int r = 0; r < 3; ++r) {
    threads.push_back(std::make_unique<Worker<void>>([st, r] {
      const auto deadline = Clock::now() + 3 * kMustHappen;
      st->readers_started.fetch_add(1);
      do {
        std::shared_lock lock(st->gate);
        st->readers.fetch_add(1);
        if (st->writers.load() != 0) ++st->overlaps;
        if (r == 0) {
          // One reader nests now and then: its inner hold must pass a closing gate.
          std::shared_lock nested(st->gate);
          if (st->writers.load() != 0) ++st->overlaps;
        }
        st->readers.fetch_sub(1);
        ++st->shared_holds;
      } while (st->writers_running.load() > 0 && Clock::now() < deadline);
    }));
  }
  for (auto& t : threads) ASSERT_TRUE(t->ready_within(3 * kMustHappen + kMustHappen)) << "a holder hung";
  EXPECT_EQ(st->overlaps.load(), 0) << "an exclusive holder overlapped another holder";
  EXPECT_EQ(st->writer_failures.load(), 0) << "try_lock_for gave up although readers let go quickly";
  EXPECT_GE(st->shared_holds.load(), 3) << "every reader held the gate at least once";
}

}  // namespace
}  // namespace sslp11::p11
