// The call timeout on calls with keys that already exist, through the Ssl*
// API: member "a" (SoftHSM behind a fault-rig instance) hangs while a record
// call, or a call bound to an existing master key, runs on it; the watchdog
// marks "a" down within the timeout plus a tick, new handshakes complete on
// "n" meanwhile, and once the module returns, "a"'s keys answer
// NTE_BAD_KEY_STATE and "a" rejoins by probe.
#include <gtest/gtest.h>

#include <sslp11/sslp11.h>
#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "faults/support/fault_kit.h"
#include "faults/support/rig_instance.h"
#include "pool/pool_support.h"
#include "support/provider_env.h"

namespace sslp11::pool_test {
namespace {

using faults::Clock;
using faults::ms_since;
constexpr DWORD kSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;

class PoolTimeoutExistingKey : public ::testing::Test {
 protected:
  void SetUp() override {
    static int variant = 0;
    members_ = {Member{"a", rig_.member(member_a().spec)}, member_n()};
    provider_.emplace("timeout-key-" + std::to_string(++variant), members_,
                      "policy = round-robin\nprobe-interval = 100\ncall-timeout = 200");
    ASSERT_EQ(provider_->open_status(), 0) << test::last_error();
  }
  void TearDown() override {
    rig_.recover();
    provider_.reset();
  }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }

  bool a_up() {
    std::vector<SSLP11_POOL_MEMBER_STATUS> s(2);
    DWORD n = 0;
    EXPECT_EQ(Sslp11GetPoolStatus(p(), s.data(), 2, &n, 0), 0) << test::last_error();
    return s[0].dwUp != 0;
  }
  // A master key and the write key of a handshake whose schedule is on "a".
  struct OnA {
    NCRYPT_KEY_HANDLE own = 0, peer = 0, master = 0, rd = 0, wr = 0;
  };
  OnA schedule_on_a() {
    OnA s;
    for (int tries = 0; tries < 4; ++tries) {
      const auto before = counts(members_);
      NCRYPT_KEY_HANDLE k = 0;
      EXPECT_EQ(SslCreateEphemeralKey(p(), &k, TLS1_2_PROTOCOL_VERSION, kSuite, TLS_ECC_P256_CURVE_KEY_TYPE, 256,
                                      nullptr, 0, 0),
                0)
          << test::last_error();
      if (grown_member(members_, before) == 0) {
        s.own = k;
        break;
      }
      SslFreeObject(k, 0);
    }
    EXPECT_NE(s.own, 0u) << "no schedule landed on member a";
    // The peer: the same key's public half, imported (host memory only).
    std::vector<std::uint8_t> blob(200);
    DWORD n = 0;
    EXPECT_EQ(SslExportKey(p(), s.own, BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0), 0);
    EXPECT_EQ(SslImportKey(p(), &s.peer, BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, 0), 0) << test::last_error();
    NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, random_}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, random_}};
    NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
    EXPECT_EQ(SslGenerateMasterKey(p(), s.own, s.peer, &s.master, TLS1_2_PROTOCOL_VERSION, kSuite, &params, nullptr, 0,
                                   &n, NCRYPT_SSL_CLIENT_FLAG),
              0)
        << test::last_error();
    EXPECT_EQ(SslGenerateSessionKeys(p(), s.master, &s.rd, &s.wr, &params, 0), 0) << test::last_error();
    return s;
  }
  SECURITY_STATUS session_keys(NCRYPT_KEY_HANDLE master) {
    NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, random_}, {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, random_}};
    NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
    NCRYPT_KEY_HANDLE rd = 0, wr = 0;
    const SECURITY_STATUS s = SslGenerateSessionKeys(p(), master, &rd, &wr, &params, 0);
    if (rd != 0) SslFreeObject(rd, 0);
    if (wr != 0) SslFreeObject(wr, 0);
    return s;
  }
  static void free(const OnA& s) {
    for (auto k : {s.own, s.peer, s.master, s.rd, s.wr})
      if (k != 0) SslFreeObject(k, 0);
  }

  // `call` (on an existing key of "a") hangs there: "a" is marked down by the
  // watchdog, handshakes go on on "n", and after the module returns the key
  // is lost and "a" comes back.
  void hang_during(const char* what, const std::function<SECURITY_STATUS()>& call, NCRYPT_KEY_HANDLE write_key) {
    rig_.hang();
    const auto t0 = Clock::now();
    auto stuck = std::async(std::launch::async, call);
    while (a_up() && ms_since(t0) < 2000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const double detected = ms_since(t0);
    ASSERT_FALSE(a_up()) << what << ": a hung call on an existing key did not mark its member down";
    EXPECT_LT(detected, 200.0 + 50.0 + 150.0) << what;
    std::printf("%s hung: member marked down after %.0f ms (call-timeout 200 ms)\n", what, detected);
    EXPECT_EQ(rig_.held_calls(), 1) << what;
    // Other work does not wait for the hung member.
    const auto t1 = Clock::now();
    const faults::Handshake h = faults::handshake(p());
    EXPECT_EQ(h.status, 0) << h.failed_call << ": " << h.why;
    EXPECT_LT(ms_since(t1), 1000.0) << "a handshake waited for the hung member";
    rig_.recover();
    (void)stuck.get();  // whatever the module answered at last
    EXPECT_EQ(faults::encrypt_one(p(), write_key, 7), NTE_BAD_KEY_STATE) << test::last_error();
    const auto t2 = Clock::now();
    while (!a_up() && ms_since(t2) < 2000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(a_up()) << "member a did not rejoin";
  }

  faults::RigInstance rig_{"timeout-key"};
  std::vector<Member> members_;
  std::optional<PoolProvider> provider_;
  std::uint8_t random_[32] = {7};
};

TEST_F(PoolTimeoutExistingKey, AHungRecordCallMarksItsMemberDown) {
  const OnA s = schedule_on_a();
  ASSERT_EQ(faults::encrypt_one(p(), s.wr, 0), 0) << test::last_error();
  hang_during("SslEncryptPacket", [&] { return faults::encrypt_one(p(), s.wr, 1); }, s.wr);
  free(s);
}

TEST_F(PoolTimeoutExistingKey, AHungCallWithAnExistingMasterMarksItsMemberDown) {
  const OnA s = schedule_on_a();
  hang_during("SslGenerateSessionKeys", [&] { return session_keys(s.master); }, s.wr);
  free(s);
}

}  // namespace
}  // namespace sslp11::pool_test
