// The test rig itself (tests/faults/fault_shim.cpp through RigInstance):
// latency really added, and only where asked; every call failed from now or
// after N calls, then recovered, directly and under a provider; configuration
// from the init string; two instances in one process that do not share state.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <optional>
#include <string>

#include "faults/support/fault_kit.h"
#include "faults/support/rig_instance.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::faults {
namespace {

using test::TestTokens;

// A rig instance in front of the throwaway SoftHSM token, initialised
// directly (no provider), so each call's cost is the rig's and SoftHSM's.
class Rig : public ::testing::Test {
 protected:
  static CK_FUNCTION_LIST* open(const RigInstance& rig, const std::string& settings = "") {
    const TokenSpec spec = rig.member(TestTokens::softhsm(), /*own_module_copy=*/true, settings);
    CK_FUNCTION_LIST* fl = rig.functions();
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    args.pReserved = const_cast<char*>(spec.init_args.c_str());
    const CK_RV rv = fl->C_Initialize(&args);
    EXPECT_TRUE(rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) << rv;
    return fl;
  }
  static CK_RV slot_list(CK_FUNCTION_LIST* fl) {
    CK_ULONG n = 0;
    return fl->C_GetSlotList(CK_TRUE, nullptr, &n);
  }
  static double ms_of(const std::function<void()>& f) {
    const auto t0 = Clock::now();
    f();
    return ms_since(t0);
  }
  using TokenSpec = test::TokenSpec;
};

TEST_F(Rig, FixedLatencyIsAddedToTokenCallsOnly) {
  const RigInstance rig("latency");
  CK_FUNCTION_LIST* fl = open(rig);
  rig.set_latency(20000);
  const double slow = ms_of([&] {
    for (int i = 0; i < 5; ++i) ASSERT_EQ(slot_list(fl), CKR_OK);
  });
  EXPECT_GE(slow, 5 * 20.0);
  CK_INFO info{};
  const double fast = ms_of([&] {
    for (int i = 0; i < 5; ++i) ASSERT_EQ(fl->C_GetInfo(&info), CKR_OK);
  });
  EXPECT_LT(fast, 5 * 20.0) << "C_GetInfo is answered by the library: not slowed by \"token\"";
  std::printf("5 x C_GetSlotList at 20 ms: %.1f ms; 5 x C_GetInfo: %.2f ms\n", slow, fast);
  rig.set_latency(0);
}

TEST_F(Rig, JitterAndAChosenFunctionSet) {
  const RigInstance rig("jitter");
  CK_FUNCTION_LIST* fl = open(rig);
  rig.set_latency(0, 10000, "C_GetSlotList,C_GetTokenInfo");
  const double jittered = ms_of([&] {
    for (int i = 0; i < 20; ++i) ASSERT_EQ(slot_list(fl), CKR_OK);
  });
  // Uniform 0..10 ms: 100 ms expected; 20 draws all under 1 ms has odds 1e-20.
  EXPECT_GT(jittered, 20.0);
  EXPECT_LE(jittered, 20 * 10.0 + 2000.0);
  CK_INFO info{};
  const double other = ms_of([&] { ASSERT_EQ(fl->C_GetInfo(&info), CKR_OK); });
  EXPECT_LT(other, 10.0);
  EXPECT_THROW(rig.set_latency(1, 0, "C_GetSlotList,C_NoSuchFunction"), std::logic_error);
  rig.set_latency(0);
}

TEST_F(Rig, FailAllFromNowAndAfterNThenRecover) {
  const RigInstance rig("fail-all");
  CK_FUNCTION_LIST* fl = open(rig);
  rig.fail_all(CKR_DEVICE_REMOVED);
  EXPECT_EQ(slot_list(fl), CKR_DEVICE_REMOVED);
  CK_INFO info{};
  EXPECT_EQ(fl->C_GetInfo(&info), CKR_DEVICE_REMOVED);
  rig.recover();
  EXPECT_EQ(slot_list(fl), CKR_OK);

  rig.fail_all(CKR_DEVICE_ERROR, 2);
  EXPECT_EQ(slot_list(fl), CKR_OK);
  EXPECT_EQ(fl->C_GetInfo(&info), CKR_OK);
  EXPECT_EQ(slot_list(fl), CKR_DEVICE_ERROR);
  EXPECT_EQ(fl->C_GetInfo(&info), CKR_DEVICE_ERROR);
  rig.clear();  // clears fail_all too
  EXPECT_EQ(slot_list(fl), CKR_OK);
}

TEST_F(Rig, SettingsFromTheInitStringAndBadOnes) {
  const RigInstance rig("init-string");
  CK_FUNCTION_LIST* fl = open(rig, "latency-us=20000 latency-on=C_GetSlotList");
  const double slow = ms_of([&] { ASSERT_EQ(slot_list(fl), CKR_OK); });
  EXPECT_GE(slow, 20.0);
  rig.set_latency(0);

  const RigInstance bad("bad-init-string");
  CK_FUNCTION_LIST* bad_fl = bad.functions();
  for (const std::string settings : {"no-such-key=1", "latency-on=C_Nothing", "module=/nonexistent.so"}) {
    const std::string init = RigInstance::init_args(TestTokens::softhsm().module_path, settings);
    CK_C_INITIALIZE_ARGS args{};
    args.pReserved = const_cast<char*>(init.c_str());
    EXPECT_EQ(bad_fl->C_Initialize(&args), CKR_ARGUMENTS_BAD) << settings;
  }
}

TEST_F(Rig, TwoInstancesKeepSeparateState) {
  const RigInstance a("member-a"), b("member-b");
  CK_FUNCTION_LIST* fa = open(a);
  CK_FUNCTION_LIST* fb = open(b);
  ASSERT_NE(fa, fb);
  const unsigned long a_before = a.calls("C_GetSlotList"), b_before = b.calls("C_GetSlotList");
  b.fail_all(CKR_DEVICE_REMOVED);
  a.set_latency(0, 0, "none");
  EXPECT_EQ(slot_list(fa), CKR_OK);
  EXPECT_EQ(slot_list(fa), CKR_OK);
  EXPECT_EQ(slot_list(fb), CKR_DEVICE_REMOVED);
  EXPECT_EQ(a.calls("C_GetSlotList") - a_before, 2u);
  EXPECT_EQ(b.calls("C_GetSlotList") - b_before, 1u);
  b.recover();
  EXPECT_EQ(slot_list(fb), CKR_OK);
  // The same name again is the same instance.
  const RigInstance a_again("member-a");
  EXPECT_EQ(a_again.functions(), fa);
}

// Under a provider: a member that fails every call, then recovers, next to a
// healthy one that never notices.
TEST(RigUnderProvider, FailingMemberRecoversAndTheOtherNeverNotices) {
  const RigInstance sick("provider-sick"), well("provider-well");
  const test::TokenSpec sick_spec = sick.member(TestTokens::softhsm(), /*own_module_copy=*/true);
  const test::TokenSpec well_spec = well.member(TestTokens::softhsm(), /*own_module_copy=*/true);
  std::optional<test::ProviderHandle> p_sick, p_well;
  p_sick.emplace(sick_spec, "", "rig-sick");
  ASSERT_EQ(p_sick->open_status(), 0);
  p_well.emplace(well_spec, "", "rig-well");
  ASSERT_EQ(p_well->open_status(), 0);
  ASSERT_EQ(handshake(p_sick->get()).status, 0);

  sick.fail_all(CKR_DEVICE_REMOVED);
  const Handshake down = handshake(p_sick->get());
  EXPECT_EQ(down.status, NTE_DEVICE_NOT_READY) << down.failed_call << ": " << status_name(down.status) << " "
                                               << down.why;
  const Handshake other = handshake(p_well->get());
  EXPECT_EQ(other.status, 0) << other.failed_call << ": " << status_name(other.status) << " " << other.why;

  sick.recover();
  const Handshake back = handshake(p_sick->get());
  EXPECT_EQ(back.status, 0) << back.failed_call << ": " << status_name(back.status) << " " << back.why;
}

}  // namespace
}  // namespace sslp11::faults
