// The call timeout ([pool.NAME] call-timeout): a member whose call hangs
// (the fault rig holds every call) is marked down by the watchdog within
// the timeout plus a tick, new work goes to the other member, the stuck
// call's late result is thrown away, and the member rejoins once the call is
// back and a probe passes. Without a timeout nothing changes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/token_pool.h"
#include "faults/support/rig_instance.h"
#include "pool/pool_support.h"

namespace sslp11::pool_test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr milliseconds kTimeout{200};
constexpr milliseconds kProbe{100};

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::shared_ptr<core::TokenContext> context(const std::string& name, const test::TokenSpec& spec) {
  core::TokenSettings s;
  s.name = name;
  s.module = spec.module_path;
  s.init_args = spec.init_args;
  s.selector.label = spec.label;
  s.pin = p11::Pin(spec.user_pin);
  return core::TokenContext::open(std::move(s));
}

// One call that reaches the token.
int touch(const std::shared_ptr<core::TokenContext>& member) {
  member->pool()->run([](p11::Lease& lease) { (void)lease.api().C_GetSessionInfo(lease.handle()); });
  return 1;
}

class PoolTimeout : public ::testing::Test {
 protected:
  std::shared_ptr<core::TokenPool> open(milliseconds timeout) {
    core::PoolSettings s;
    s.name = "t";
    s.policy = core::PlacementPolicy::round_robin;
    s.probe_interval = kProbe;
    s.call_timeout = timeout;
    return core::TokenPool::open(s, {hung_, other_});
  }
  void TearDown() override { rig_.recover(); }

  faults::RigInstance rig_{"timeout-a"};
  std::shared_ptr<core::TokenContext> hung_ = context("a", rig_.member(member_a().spec));
  std::shared_ptr<core::TokenContext> other_ = context("n", member_n().spec);
};

TEST_F(PoolTimeout, AHungCallMarksItsMemberDownAndOthersNeverWait) {
  const auto pool = open(kTimeout);
  rig_.hang();
  const auto t0 = Clock::now();
  auto stuck = std::async(std::launch::async, [&] { return pool->run_on(hung_, touch); });
  while (!hung_->down() && ms_since(t0) < 2000) {
    // Calls on the other member go on meanwhile, none waiting for the hung one.
    const auto t = Clock::now();
    EXPECT_EQ(pool->run_on(other_, touch), 1);
    EXPECT_LT(ms_since(t), 50.0);
    std::this_thread::sleep_for(milliseconds(5));
  }
  const double detected = ms_since(t0);
  ASSERT_TRUE(hung_->down());
  EXPECT_GE(detected, 200.0);
  EXPECT_LT(detected, 200.0 + 50.0 + 100.0);  // one tick (timeout / 4) and scheduling slack
  std::printf("hung member marked down after %.0f ms (call-timeout 200 ms)\n", detected);
  EXPECT_NE(pool->status()[0].last_error.find("a PKCS#11 call has not returned for 200 ms"), std::string::npos)
      << pool->status()[0].last_error;
  EXPECT_EQ(rig_.held_calls(), 1);
  // New work goes elsewhere; the prober leaves the member with a stuck call alone.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pool->place(), other_);
  const unsigned long calls = rig_.total_calls();
  std::this_thread::sleep_for(kProbe * 3);
  EXPECT_EQ(rig_.total_calls(), calls) << "a down member with a stuck call was probed";
  EXPECT_TRUE(hung_->down());
  // The module returns at last: the late result is thrown away.
  rig_.recover();
  try {
    (void)stuck.get();
    ADD_FAILURE() << "the late result of a call on a member marked down was kept";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.fault(), core::Fault::bad_key_state);
  }
  // Then a probe lets it back in.
  const auto t1 = Clock::now();
  while (hung_->down() && ms_since(t1) < 2000) std::this_thread::sleep_for(milliseconds(5));
  EXPECT_FALSE(hung_->down());
  EXPECT_LT(ms_since(t1), 2.0 * 100 + 150.0);
}

TEST_F(PoolTimeout, APlacingCallStuckOnAHungMemberRunsAgainElsewhere) {
  const auto pool = open(kTimeout);
  rig_.hang();
  // Round-robin from a fresh pool: first "a", which hangs; once the watchdog
  // marks it down and the call returns, the schedule runs again on "n".
  auto placed = std::async(std::launch::async, [&] {
    return pool->run_placed([&](const std::shared_ptr<core::TokenContext>& m) { return touch(m), m; });
  });
  const auto t0 = Clock::now();
  while (!hung_->down() && ms_since(t0) < 2000) std::this_thread::sleep_for(milliseconds(5));
  ASSERT_TRUE(hung_->down());
  rig_.recover();
  EXPECT_EQ(placed.get(), other_);
}

TEST_F(PoolTimeout, WithoutATimeoutNothingChanges) {
  const auto pool = open(milliseconds(0));
  EXPECT_FALSE(pool->watching());
  rig_.hang();
  auto stuck = std::async(std::launch::async, [&] { return pool->run_on(hung_, touch); });
  std::this_thread::sleep_for(kTimeout * 2);
  EXPECT_FALSE(hung_->down());
  rig_.recover();
  EXPECT_EQ(stuck.get(), 1);
}

}  // namespace
}  // namespace sslp11::pool_test
