// The rig's latency holds no lock while it sleeps: calls made at the same
// time on several threads wait at the same time, as they would on a network
// HSM with many sessions. (Label "concurrency": the TSan run checks the
// rig's own bookkeeping too.)
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "faults/support/fault_kit.h"
#include "faults/support/rig_instance.h"
#include "support/test_tokens.h"

namespace sslp11::faults {
namespace {

TEST(RigOverlap, ConcurrentCallsSleepConcurrently) {
  const RigInstance rig("overlap");
  const std::string init = RigInstance::init_args(test::TestTokens::softhsm().module_path);
  CK_FUNCTION_LIST* fl = rig.functions();
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  args.pReserved = const_cast<char*>(init.c_str());
  const CK_RV init_rv = fl->C_Initialize(&args);
  ASSERT_TRUE(init_rv == CKR_OK || init_rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) << init_rv;

  constexpr int kThreads = 8;
  constexpr unsigned long kLatencyUs = 50000;
  rig.set_latency(kLatencyUs);
  rig.reset_peak();
  std::vector<CK_RV> rvs(kThreads, CKR_GENERAL_ERROR);
  const auto t0 = Clock::now();
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        CK_ULONG n = 0;
        rvs[static_cast<std::size_t>(i)] = fl->C_GetSlotList(CK_TRUE, nullptr, &n);
      });
    }
  }
  const double ms = ms_since(t0);
  rig.set_latency(0);
  for (CK_RV rv : rvs) EXPECT_EQ(rv, CKR_OK);
  // Serialised, 8 calls would take 400 ms; overlapped, one latency and thread start-up.
  EXPECT_LT(ms, kThreads * 50.0 / 2);
  EXPECT_GE(rig.peak_in_flight(), 2);
  std::printf("%d concurrent calls at 50 ms each: %.1f ms, at most %ld in flight at once\n", kThreads, ms,
              rig.peak_in_flight());
}

}  // namespace
}  // namespace sslp11::faults
