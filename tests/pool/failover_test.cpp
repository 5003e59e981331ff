// A pool member that goes away, and comes back: member "a" is a SoftHSM
// token behind the fault shim (tests/faults/fault_shim.cpp), member "n" the
// NSS softoken. When "a" fails, its keys answer NTE_BAD_KEY_STATE without
// reaching it, a placing call that failed there is retried on "n" without
// the caller noticing, new work goes to "n", and the probe brings "a" back
// within about two probe intervals. Nothing stays behind on either member.
#include <gtest/gtest.h>

#include <sslp11/sslp11.h>
#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "faults/support/fault_kit.h"
#include "log/logger.h"
#include "pool/pool_support.h"
#include "support/provider_env.h"
#include "support/test_tokens.h"

namespace sslp11::pool_test {
namespace {

using faults::Clock;
using faults::ms_since;

constexpr DWORD kSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
constexpr int kProbeMs = 100;

// Everything member "a" could be asked: the device is gone.
void kill_a() {
  for (const char* f : {"C_GenerateKeyPair", "C_DeriveKey", "C_EncryptInit", "C_Encrypt", "C_GetSlotInfo",
                        "C_GetTokenInfo", "C_GetSlotList", "C_OpenSession", "C_GetSessionInfo", "C_FindObjectsInit",
                        "C_GetAttributeValue", "C_CreateObject"}) {
    faults::inject(f, CKR_DEVICE_REMOVED);
  }
}

class PoolFailover : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = member_a();
    a_.spec = faults::through_shim(member_a().spec);
    members_ = {a_, member_n()};
    static int variant = 0;
    provider_.emplace("failover-" + std::to_string(++variant), members_,
                      "policy = round-robin\nprobe-interval = " + std::to_string(kProbeMs));
    ASSERT_EQ(provider_->open_status(), 0);
    before_ = counts(members_);
  }
  void TearDown() override {
    faults::clear_faults();
    wait_until_a_takes_work();
    provider_.reset();
  }
  NCRYPT_PROV_HANDLE p() const { return provider_->get(); }

  // Round-robin from a fresh pool: the first placement is "a".
  NCRYPT_KEY_HANDLE ephemeral(SECURITY_STATUS* status = nullptr) {
    NCRYPT_KEY_HANDLE k = 0;
    const SECURITY_STATUS s =
        SslCreateEphemeralKey(p(), &k, TLS1_2_PROTOCOL_VERSION, kSuite, TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0);
    if (status != nullptr) *status = s;
    else EXPECT_EQ(s, 0) << test::last_error();
    return k;
  }
  NCRYPT_KEY_HANDLE peer_public() {
    const NCRYPT_KEY_HANDLE theirs = ephemeral();
    std::vector<std::uint8_t> blob(200);
    DWORD n = 0;
    EXPECT_EQ(SslExportKey(p(), theirs, BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0), 0);
    SslFreeObject(theirs, 0);
    NCRYPT_KEY_HANDLE peer = 0;
    EXPECT_EQ(SslImportKey(p(), &peer, BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, 0), 0) << test::last_error();
    return peer;
  }
  SECURITY_STATUS master(NCRYPT_KEY_HANDLE own, NCRYPT_KEY_HANDLE peer, NCRYPT_KEY_HANDLE* out) {
    NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random_},
                               {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random_}};
    NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
    DWORD n = 0;
    return SslGenerateMasterKey(p(), own, peer, out, TLS1_2_PROTOCOL_VERSION, kSuite, &params, nullptr, 0, &n,
                                NCRYPT_SSL_CLIENT_FLAG);
  }
  SECURITY_STATUS session_keys(NCRYPT_KEY_HANDLE m, NCRYPT_KEY_HANDLE* rd, NCRYPT_KEY_HANDLE* wr) {
    NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random_},
                               {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random_}};
    NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
    return SslGenerateSessionKeys(p(), m, rd, wr, &params, 0);
  }
  // A key exchange placed on "a" while it is up: which key the test asks.
  struct Schedule {
    NCRYPT_KEY_HANDLE own = 0, peer = 0, master = 0, rd = 0, wr = 0;
  };
  void free(Schedule& s) {
    for (auto k : {s.own, s.peer, s.master, s.rd, s.wr})
      if (k != 0) SslFreeObject(k, 0);
    s = {};
  }
  // Handshakes until one lands on "a" again (the probe let it back in), at
  // most 3 s; the time it took.
  double wait_until_a_takes_work() {
    const auto t0 = Clock::now();
    while (ms_since(t0) < 3000) {
      const std::size_t on_a = objects_on(a_);
      const NCRYPT_KEY_HANDLE k = ephemeral();
      const bool landed = objects_on(a_) > on_a;
      SslFreeObject(k, 0);
      if (landed) return ms_since(t0);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "member a did not take work again within 3 s";
    return -1;
  }
  // A key of the lost member: NTE_BAD_KEY_STATE at once, the shim untouched.
  void expect_lost_fast(const char* what, const std::function<SECURITY_STATUS()>& call) {
    const unsigned long calls_before = faults::calls("C_DeriveKey") + faults::calls("C_EncryptInit");
    const auto t0 = Clock::now();
    const SECURITY_STATUS s = call();
    const double ms = ms_since(t0);
    EXPECT_EQ(s, NTE_BAD_KEY_STATE) << what << ": " << faults::status_name(s) << " " << test::last_error();
    EXPECT_LT(ms, 50.0) << what;
    EXPECT_EQ(faults::calls("C_DeriveKey") + faults::calls("C_EncryptInit"), calls_before) << what;
  }
  // Marks "a" down the way production does: a placing call fails there.
  void lose_a() {
    kill_a();
    // Placement turns to "a" within two schedules; the failed placement is
    // retried on "n", so every call succeeds.
    for (int i = 0; i < 2; ++i) {
      SECURITY_STATUS s = 0;
      const NCRYPT_KEY_HANDLE k = ephemeral(&s);
      EXPECT_EQ(s, 0) << "placing call not retried: " << test::last_error();
      SslFreeObject(k, 0);
    }
  }

  Member a_;
  std::vector<Member> members_;
  std::optional<PoolProvider> provider_;
  std::vector<std::size_t> before_;
  std::uint8_t client_random_[32] = {1};
  std::uint8_t server_random_[32] = {2};
};

TEST_F(PoolFailover, LostAfterTheEphemeralKey) {
  Schedule s;
  s.own = ephemeral();  // on "a"
  s.peer = peer_public();
  lose_a();
  expect_lost_fast("SslGenerateMasterKey", [&] { return master(s.own, s.peer, &s.master); });
  // New work goes to "n" and completes.
  const faults::Handshake h = faults::handshake(p());
  EXPECT_EQ(h.status, 0) << h.failed_call << ": " << h.why;
  free(s);
}

TEST_F(PoolFailover, LostAfterTheMasterKey) {
  Schedule s;
  s.own = ephemeral();
  s.peer = peer_public();
  ASSERT_EQ(master(s.own, s.peer, &s.master), 0) << test::last_error();
  lose_a();
  expect_lost_fast("SslGenerateSessionKeys", [&] { return session_keys(s.master, &s.rd, &s.wr); });
  free(s);
}

TEST_F(PoolFailover, LostAfterTheSessionKeysThenRejoins) {
  Schedule s;
  s.own = ephemeral();
  s.peer = peer_public();
  ASSERT_EQ(master(s.own, s.peer, &s.master), 0) << test::last_error();
  ASSERT_EQ(session_keys(s.master, &s.rd, &s.wr), 0) << test::last_error();
  ASSERT_EQ(faults::encrypt_one(p(), s.wr, 0), 0);
  lose_a();
  expect_lost_fast("SslEncryptPacket", [&] { return faults::encrypt_one(p(), s.wr, 1); });
  // Only "n" takes work while "a" is down.
  for (int i = 0; i < 4; ++i) {
    const faults::Handshake h = faults::handshake(p());
    EXPECT_EQ(h.status, 0) << h.failed_call << ": " << h.why;
  }
  faults::clear_faults();
  const double ms = wait_until_a_takes_work();
  std::printf("member a back in %.0f ms (probe interval %d ms)\n", ms, kProbeMs);
  EXPECT_LT(ms, 2.0 * kProbeMs + 150.0);
  // Its old keys stay lost after the rejoin.
  EXPECT_EQ(faults::encrypt_one(p(), s.wr, 2), NTE_BAD_KEY_STATE) << test::last_error();
  free(s);
  // Nothing left on either member: the rejoin closed a's old sessions, and
  // with them their objects.
  EXPECT_EQ(counts(members_), before_);
}

// A member whose sessions outlive its failure (a network HSM whose link came
// back; here the shim answers CKR_DEVICE_REMOVED while SoftHSM keeps every
// session): while it is down even C_DestroyObject, C_CloseSession and the
// re-initialisation (C_Finalize, C_Initialize) fail, so the keys freed then
// and the sessions dropped then stay on the token. The rejoin closes those
// sessions, and with them their objects.
TEST_F(PoolFailover, SessionsThatSurvivedTheFailureAreClosedOnRejoin) {
  std::vector<Schedule> on_a(3);
  for (Schedule& s : on_a) {
    s.own = ephemeral();
    s.peer = peer_public();
    ASSERT_EQ(master(s.own, s.peer, &s.master), 0) << test::last_error();
    ASSERT_EQ(session_keys(s.master, &s.rd, &s.wr), 0) << test::last_error();
  }
  ASSERT_GT(objects_on(a_), before_[0]);
  faults::inject("C_DestroyObject", CKR_DEVICE_REMOVED);
  faults::inject("C_CloseSession", CKR_DEVICE_REMOVED);
  faults::inject("C_Finalize", CKR_DEVICE_REMOVED);
  faults::inject("C_Initialize", CKR_DEVICE_REMOVED);
  const unsigned long closes_before = faults::calls("C_CloseSession");
  // The placing call that finds "a" gone drops the session it ran in (which
  // holds objects of the schedules above) and cannot close it.
  lose_a();
  for (Schedule& s : on_a) {
    expect_lost_fast("SslEncryptPacket", [&] { return faults::encrypt_one(p(), s.wr, 0); });
    free(s);  // every C_DestroyObject fails: the objects stay in their sessions
  }
  for (int i = 0; i < 3; ++i) {
    const faults::Handshake h = faults::handshake(p());
    EXPECT_EQ(h.status, 0) << h.failed_call << ": " << h.why;
  }
  const unsigned long closes_refused = faults::calls("C_CloseSession") - closes_before;
  faults::clear_faults();
  wait_until_a_takes_work();
  std::printf("C_CloseSession refused %lu times while a was down\n", closes_refused);
  EXPECT_GT(closes_refused, 0u) << "no session was dropped while a was down: the test tests nothing";
  EXPECT_EQ(counts(members_), before_);
}

// A key's reference blob (BCRYPT_OPAQUE_KEY_BLOB, version 1) is made and
// checked by its own member's registry: with the first member "a" down, a
// master and a session key on "n" still export, import and work.
TEST_F(PoolFailover, ReferenceBlobsOfKeysOnAnotherMemberWorkWhileTheFirstIsDown) {
  lose_a();
  Schedule s;
  s.own = ephemeral();  // on "n": "a" is down
  s.peer = peer_public();
  ASSERT_EQ(master(s.own, s.peer, &s.master), 0) << test::last_error();
  ASSERT_EQ(session_keys(s.master, &s.rd, &s.wr), 0) << test::last_error();
  const auto round_trip = [&](NCRYPT_KEY_HANDLE key) {
    std::vector<std::uint8_t> blob(200);
    DWORD n = 0;
    EXPECT_EQ(SslExportKey(p(), key, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0), 0)
        << test::last_error();
    NCRYPT_KEY_HANDLE imported = 0;
    EXPECT_EQ(SslImportKey(p(), &imported, BCRYPT_OPAQUE_KEY_BLOB, blob.data(), n, 0), 0) << test::last_error();
    return imported;
  };
  const NCRYPT_KEY_HANDLE master_again = round_trip(s.master);
  const NCRYPT_KEY_HANDLE write_again = round_trip(s.wr);
  ASSERT_NE(master_again, 0u);
  ASSERT_NE(write_again, 0u);
  NCRYPT_KEY_HANDLE rd = 0, wr = 0;
  EXPECT_EQ(session_keys(master_again, &rd, &wr), 0) << test::last_error();
  EXPECT_EQ(faults::encrypt_one(p(), write_again, 0), 0) << test::last_error();
  for (auto k : {master_again, write_again, rd, wr})
    if (k != 0) SslFreeObject(k, 0);
  free(s);
}

// Sslp11GetPoolStatus (what `sslp11-admin pool status` prints): both up at
// first; "a" down with its error and time once a call found it gone; up
// again after the probe, the error kept as its last one.
std::vector<SSLP11_POOL_MEMBER_STATUS> pool_status(NCRYPT_PROV_HANDLE p) {
  DWORD n = 0;
  EXPECT_EQ(Sslp11GetPoolStatus(p, nullptr, 0, &n, 0), 0) << test::last_error();
  std::vector<SSLP11_POOL_MEMBER_STATUS> out(n);
  if (n > 1) {
    DWORD short_n = 0;
    EXPECT_EQ(Sslp11GetPoolStatus(p, out.data(), n - 1, &short_n, 0), NTE_BUFFER_TOO_SMALL);
    EXPECT_EQ(short_n, n);
  }
  EXPECT_EQ(Sslp11GetPoolStatus(p, out.data(), n, &n, 0), 0) << test::last_error();
  return out;
}

TEST_F(PoolFailover, StatusShowsAMemberDownAndBack) {
  // The provider's log from here on (at the default level, warning): the
  // member going down is a warning an operator sees; its return is info.
  const std::string log_file = test::TestTokens::temp_dir() + "/pool-down-and-back.log";
  std::remove(log_file.c_str());
  setenv("SSLP11_LOG_DESTINATION", ("file:" + log_file).c_str(), 1);
  setenv("SSLP11_LOG_LEVEL", "warn", 1);
  log::reset_for_tests();
  auto st = pool_status(p());
  ASSERT_EQ(st.size(), 2u);
  EXPECT_STREQ(st[0].szName, "a");
  EXPECT_STREQ(st[1].szName, "n");
  for (const auto& m : st) {
    EXPECT_EQ(m.dwUp, 1u) << m.szName;
    EXPECT_EQ(m.ullDownSinceUnixMs, 0u) << m.szName;
    EXPECT_STREQ(m.szLastError, "") << m.szName;
    EXPECT_EQ(m.cOutstanding, 0u) << m.szName;
    EXPECT_GE(m.cSessionsOpen, 1u) << m.szName;  // the open logged in on one
    EXPECT_LE(m.cSessionsInUse, m.cSessionsOpen) << m.szName;
    EXPECT_GE(m.cPoolSize, m.cSessionsOpen) << m.szName;
  }
  const auto before_loss = std::chrono::system_clock::now();
  lose_a();
  st = pool_status(p());
  EXPECT_EQ(st[0].dwUp, 0u);
  EXPECT_STRNE(st[0].szLastError, "");
  std::printf("member a marked down: %s\n", st[0].szLastError);
  const auto since_ms = std::chrono::duration_cast<std::chrono::milliseconds>(before_loss.time_since_epoch()).count();
  EXPECT_GE(st[0].ullDownSinceUnixMs, static_cast<ULONGLONG>(since_ms) - 1000);
  EXPECT_EQ(st[1].dwUp, 1u);
  EXPECT_STREQ(st[1].szLastError, "");
  faults::clear_faults();
  wait_until_a_takes_work();
  st = pool_status(p());
  EXPECT_EQ(st[0].dwUp, 1u);
  EXPECT_STRNE(st[0].szLastError, "");

  std::ifstream in(log_file);
  const std::string log_text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  unsetenv("SSLP11_LOG_DESTINATION");
  unsetenv("SSLP11_LOG_LEVEL");
  log::reset_for_tests();
  EXPECT_TRUE(std::regex_search(log_text, std::regex(R"(warning tid=\d+ pool: \[pool\.[^\]]+\] member \[token\.a\] is down: )")))
      << log_text;
  EXPECT_EQ(log_text.find("answers again"), std::string::npos) << "info, below the default level:\n" << log_text;

  DWORD n = 0;
  EXPECT_EQ(Sslp11GetPoolStatus(p(), nullptr, 0, nullptr, 0), NTE_INVALID_PARAMETER);
  EXPECT_EQ(Sslp11GetPoolStatus(p(), nullptr, 0, &n, 1), NTE_BAD_FLAGS);
  EXPECT_EQ(Sslp11GetPoolStatus(0x1234, nullptr, 0, &n, 0), NTE_INVALID_HANDLE);
}

TEST_F(PoolFailover, AllMembersDownIsAClearStatus) {
  // A pool whose every member is "a": placement has nowhere to go.
  PoolProvider lone("failover-alone", {a_, Member{"a2", a_.spec}}, "policy = round-robin\nprobe-interval = 100");
  ASSERT_EQ(lone.open_status(), 0);
  kill_a();
  NCRYPT_KEY_HANDLE k = 0;
  SECURITY_STATUS s = 0;
  // The first call finds both members gone (each failure marks one down);
  // the next has nowhere to go.
  for (int i = 0; i < 2; ++i) {
    s = SslCreateEphemeralKey(lone.get(), &k, TLS1_2_PROTOCOL_VERSION, kSuite, TLS_ECC_P256_CURVE_KEY_TYPE, 256,
                              nullptr, 0, 0);
    EXPECT_EQ(s, NTE_DEVICE_NOT_READY) << test::last_error();
  }
  EXPECT_EQ(s, NTE_DEVICE_NOT_READY) << test::last_error();
  EXPECT_NE(test::last_error().find("every member of pool 'farm' is down"), std::string::npos) << test::last_error();
  faults::clear_faults();
}

}  // namespace
}  // namespace sslp11::pool_test
