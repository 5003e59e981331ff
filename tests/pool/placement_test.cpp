// A [pool.NAME] through the Ssl* API: each policy places new key schedules
// as it says, every key derived from a schedule stays on the member it was
// placed on, and keys of two members are refused in one call.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>
#include <sslp11/winerror.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/token_pool.h"
#include "faults/support/fault_kit.h"
#include "pool/pool_support.h"
#include "support/oracle/cng_blobs.h"
#include "support/provider_env.h"

namespace sslp11::pool_test {
namespace {

constexpr DWORD kSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;

NCRYPT_KEY_HANDLE ephemeral(NCRYPT_PROV_HANDLE p) {
  NCRYPT_KEY_HANDLE k = 0;
  const SECURITY_STATUS s =
      SslCreateEphemeralKey(p, &k, TLS1_2_PROTOCOL_VERSION, kSuite, TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0);
  EXPECT_EQ(s, 0) << test::last_error();
  return k;
}

TEST(PoolPlacement, RoundRobinTakesEachMemberInTurn) {
  const std::vector<Member> members{member_a(), member_b(), member_n()};
  PoolProvider p("round-robin", members, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  std::vector<int> order;
  std::vector<NCRYPT_KEY_HANDLE> keys;
  for (int i = 0; i < 6; ++i) {
    const auto before = counts(members);
    keys.push_back(ephemeral(p.get()));
    order.push_back(grown_member(members, before));
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1, 2}));
  for (auto k : keys) SslFreeObject(k, 0);
}

TEST(PoolPlacement, WeightedSharesByWeight) {
  const std::vector<Member> members{member_a(), member_b()};
  PoolProvider p("weighted", members, "policy = weighted\nweights = a:3, b:1");
  ASSERT_EQ(p.open_status(), 0);
  const auto before = counts(members);
  std::vector<NCRYPT_KEY_HANDLE> keys;
  for (int i = 0; i < 300; ++i) keys.push_back(ephemeral(p.get()));
  const auto after = counts(members);
  // One token object per EC ephemeral key (its private half).
  const double on_a = static_cast<double>(after[0] - before[0]);
  const double on_b = static_cast<double>(after[1] - before[1]);
  EXPECT_EQ(on_a + on_b, 300.0);
  EXPECT_NEAR(on_a, 225.0, 22.5);
  EXPECT_NEAR(on_b, 75.0, 7.5);
  for (auto k : keys) SslFreeObject(k, 0);
  EXPECT_EQ(counts(members), before);
}

// A handshake hash made before each schedule's first key does not take a
// turn of its own: the weights still count schedules (a:3, b:1 walked in order
// gives exactly 225 and 75). Were the hash to take one, every key would land on
// every other slot of the round (150 and 150).
TEST(PoolPlacement, WeightedCountsSchedulesNotTheirHashes) {
  const std::vector<Member> members{member_a(), member_b()};
  PoolProvider p("weighted-hash", members, "policy = weighted\nweights = a:3, b:1");
  ASSERT_EQ(p.open_status(), 0);
  const auto before = counts(members);
  std::vector<NCRYPT_HASH_HANDLE> hashes;
  std::vector<NCRYPT_KEY_HANDLE> keys;
  for (int i = 0; i < 300; ++i) {
    NCRYPT_HASH_HANDLE h = 0;
    ASSERT_EQ(SslCreateHandshakeHash(p.get(), &h, TLS1_2_PROTOCOL_VERSION, kSuite, 0), 0) << test::last_error();
    hashes.push_back(h);
    keys.push_back(ephemeral(p.get()));
  }
  const auto after = counts(members);
  EXPECT_EQ(after[0] - before[0], 225u);
  EXPECT_EQ(after[1] - before[1], 75u);
  for (auto k : keys) SslFreeObject(k, 0);
  for (auto h : hashes) SslFreeObject(h, 0);
  EXPECT_EQ(counts(members), before);
}

TEST(PoolPlacement, EveryKeyOfAScheduleStaysOnItsMember) {
  const std::vector<Member> members{member_a(), member_b(), member_n()};
  PoolProvider p("pinning", members, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  for (int round = 0; round < 3; ++round) {
    const auto before = counts(members);
    // The kit's handshake: our ephemeral key (placed), a peer's (placed
    // elsewhere, exported, imported as a host-memory public key), master,
    // session keys, a record; only the write key is kept.
    const faults::Handshake h = faults::handshake(p.get(), /*keep_write_key=*/true);
    ASSERT_EQ(h.status, 0) << h.failed_call << ": " << h.why;
    // Everything but the write key is gone again; the write key lives on
    // the member the schedule was placed on, and only there.
    const int where = grown_member(members, before);
    EXPECT_NE(where, -1) << "the write key's objects are not on exactly one member";
    SslFreeObject(h.write_key, 0);
    EXPECT_EQ(counts(members), before);
  }
}

// Two RSA server keys imported on two members (round-robin), a pre-master
// made with the first: deriving its master with the second is refused.
TEST(PoolPlacement, KeysOfTwoMembersAreRefusedInOneCall) {
  const std::vector<Member> members{member_a(), member_b()};
  PoolProvider p("mixed", members, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  std::vector<std::uint8_t> modulus(256, 0x5A);
  modulus.front() = 0xC3;
  modulus.back() = 0x01;
  const std::vector<std::uint8_t> exponent{0x01, 0x00, 0x01};
  auto blob = oracle::rsa_public_blob(modulus, exponent);
  NCRYPT_KEY_HANDLE on_a = 0, on_b = 0, pms = 0, master = 0;
  ASSERT_EQ(SslImportKey(p.get(), &on_a, BCRYPT_RSAPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0), 0)
      << test::last_error();
  ASSERT_EQ(SslImportKey(p.get(), &on_b, BCRYPT_RSAPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), 0), 0)
      << test::last_error();
  std::vector<std::uint8_t> encrypted(256);
  DWORD n = 0;
  const DWORD rsa_suite = TLS_RSA_WITH_AES_128_GCM_SHA256;
  ASSERT_EQ(SslGeneratePreMasterKey(p.get(), on_a, &pms, TLS1_2_PROTOCOL_VERSION, rsa_suite, nullptr, encrypted.data(),
                                    static_cast<DWORD>(encrypted.size()), &n, NCRYPT_SSL_CLIENT_FLAG),
            0)
      << test::last_error();
  std::uint8_t client_random[32] = {1}, server_random[32] = {2};
  NCryptBuffer buffers[2] = {{32, NCRYPTBUFFER_SSL_CLIENT_RANDOM, client_random},
                             {32, NCRYPTBUFFER_SSL_SERVER_RANDOM, server_random}};
  NCryptBufferDesc params{NCRYPTBUFFER_VERSION, 2, buffers};
  EXPECT_EQ(SslGenerateMasterKey(p.get(), pms, on_b, &master, TLS1_2_PROTOCOL_VERSION, rsa_suite, &params, nullptr, 0,
                                 &n, NCRYPT_SSL_CLIENT_FLAG),
            NTE_INVALID_PARAMETER);
  EXPECT_EQ(test::last_error(), "keys live on different pool members (b, a)");
  EXPECT_EQ(master, 0u);
  // With the key of its own member it works.
  EXPECT_EQ(SslGenerateMasterKey(p.get(), pms, on_a, &master, TLS1_2_PROTOCOL_VERSION, rsa_suite, &params, nullptr, 0,
                                 &n, NCRYPT_SSL_CLIENT_FLAG),
            0)
      << test::last_error();
  for (auto k : {on_a, on_b, pms, master}) SslFreeObject(k, 0);
}

// TLS 1.3: the early secret (placed on its own) and our key share can land
// on different members; an early secret without a PSK is the same on every
// member, so the handshake key is made on the key share's member.
TEST(PoolPlacement, Tls13EarlySecretFollowsTheKeyShare) {
  const std::vector<Member> members{member_a(), member_b()};
  PoolProvider p("tls13", members, "policy = round-robin");
  ASSERT_EQ(p.open_status(), 0);
  const DWORD suite = TLS_AES_128_GCM_SHA256;
  const auto share = [&] {
    NCRYPT_KEY_HANDLE k = 0;
    EXPECT_EQ(SslCreateEphemeralKey(p.get(), &k, TLS1_3_PROTOCOL_VERSION, suite, TLS_ECC_P256_CURVE_KEY_TYPE, 0,
                                    nullptr, 0, 0),
              0)
        << test::last_error();
    return k;
  };
  const NCRYPT_KEY_HANDLE theirs = share();  // on a
  const NCRYPT_KEY_HANDLE ours = share();    // on b
  std::vector<std::uint8_t> blob(200);
  DWORD n = 0;
  ASSERT_EQ(SslExportKey(p.get(), theirs, BCRYPT_ECCPUBLIC_BLOB, blob.data(), static_cast<DWORD>(blob.size()), &n, 0),
            0);
  NCRYPT_KEY_HANDLE peer = 0, early = 0, hs = 0, master = 0;
  ASSERT_EQ(SslImportKey(p.get(), &peer, BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, 0), 0) << test::last_error();
  ASSERT_EQ(SslExtractEarlyKey(p.get(), 0, &early, TLS1_3_PROTOCOL_VERSION, suite, nullptr, 0), 0)  // on a
      << test::last_error();
  const auto before = counts(members);
  ASSERT_EQ(SslExtractHandshakeKey(p.get(), ours, peer, early, &hs, nullptr, 0), 0) << test::last_error();
  EXPECT_EQ(grown_member(members, before), 1) << "the handshake secret is not on our key share's member";
  EXPECT_EQ(SslExtractMasterKey(p.get(), hs, &master, nullptr, 0), 0) << test::last_error();
  for (auto k : {theirs, ours, peer, early, hs, master}) SslFreeObject(k, 0);
}

// The policy itself, on two contexts of the NSS softoken: least-outstanding
// prefers the idle member, the member-sessions cap turns work away from a
// full one, a member marked down gets nothing until a probe finds it
// answering.
core::PoolSettings settings_of(core::PlacementPolicy policy) {
  core::PoolSettings s;
  s.name = "t";
  s.policy = policy;
  return s;
}

std::shared_ptr<core::TokenContext> nss_context(const std::string& name) {
  core::TokenSettings s;
  s.name = name;
  s.module = member_n().spec.module_path;
  s.init_args = member_n().spec.init_args;
  s.selector.label = member_n().spec.label;
  return core::TokenContext::open(std::move(s));
}

TEST(PoolPolicy, LeastOutstandingPrefersTheIdleMember) {
  const auto one = nss_context("one"), two = nss_context("two");
  const auto pool = core::TokenPool::open(settings_of(core::PlacementPolicy::least_outstanding), {one, two});
  EXPECT_EQ(pool->place(), one);  // both idle: the first
  {
    const core::TokenPool::Outstanding busy(*one);
    EXPECT_EQ(one->outstanding(), 1u);
    EXPECT_EQ(pool->place(), two);
    const core::TokenPool::Outstanding busier(*two), busiest(*two);
    EXPECT_EQ(pool->place(), one);
  }
  EXPECT_EQ(one->outstanding(), 0u);
}

TEST(PoolPolicy, RoundRobinSkipsAMemberAtItsCap) {
  core::PoolSettings settings = settings_of(core::PlacementPolicy::round_robin);
  settings.member_sessions = 1;
  const auto one = nss_context("one"), two = nss_context("two");
  const auto pool = core::TokenPool::open(settings, {one, two});
  const core::TokenPool::Outstanding busy(*one);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pool->place(), two);
}

TEST(PoolPolicy, ADownMemberGetsNothingUntilItAnswers) {
  core::PoolSettings settings = settings_of(core::PlacementPolicy::round_robin);
  settings.probe_interval = std::chrono::milliseconds(3600000);  // the test probes
  const auto one = nss_context("one"), two = nss_context("two");
  const auto pool = core::TokenPool::open(settings, {one, two});
  pool->mark_down(*one, "CKR_DEVICE_REMOVED (test)");
  EXPECT_TRUE(one->down());
  EXPECT_EQ(one->losses(), 1u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pool->place(), two);
  const auto status = pool->status();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_FALSE(status[0].up);
  EXPECT_EQ(status[0].name, "one");
  EXPECT_EQ(status[0].last_error, "CKR_DEVICE_REMOVED (test)");
  EXPECT_TRUE(status[1].up);
  pool->probe_members();
  EXPECT_FALSE(one->down());
  EXPECT_EQ(one->losses(), 1u);  // keys made before the loss stay lost
  EXPECT_EQ(pool->place(), one);
}

// A pool offers the suites every member runs: here not ChaCha20-Poly1305,
// which the NSS softoken has and SoftHSMv2 does not.
TEST(PoolPlacement, OffersOnlyTheSuitesEveryMemberOffers) {
  const Member a = member_a(), n = member_n();
  std::set<std::pair<DWORD, DWORD>> on_a, on_n;
  {
    test::ProviderHandle alone(a.spec, "", "suites-a");
    ASSERT_EQ(alone.open_status(), 0);
    on_a = offered_suites(alone.get());
  }
  {
    test::ProviderHandle alone(n.spec, "", "suites-n");
    ASSERT_EQ(alone.open_status(), 0);
    on_n = offered_suites(alone.get());
  }
  PoolProvider p("suites", {a, n}, "");
  ASSERT_EQ(p.open_status(), 0);
  const auto pooled = offered_suites(p.get());
  std::set<std::pair<DWORD, DWORD>> both;
  std::set_intersection(on_a.begin(), on_a.end(), on_n.begin(), on_n.end(), std::inserter(both, both.end()));
  EXPECT_EQ(pooled, both);
  EXPECT_FALSE(both.empty());
  const std::pair<DWORD, DWORD> chacha13{TLS1_3_PROTOCOL_VERSION, 0x1303};
  EXPECT_TRUE(on_n.count(chacha13)) << "the NSS softoken runs TLS_CHACHA20_POLY1305_SHA256";
  EXPECT_FALSE(on_a.count(chacha13)) << "SoftHSMv2 has no ChaCha20-Poly1305";
  EXPECT_FALSE(pooled.count(chacha13));
}

// Pools of one: the provider behaves as the token does.
TEST(PoolPlacement, APoolOfOneIsItsToken) {
  const std::vector<Member> members{member_n()};
  PoolProvider p("one", members, "");
  ASSERT_EQ(p.open_status(), 0);
  const faults::Handshake h = faults::handshake(p.get());
  EXPECT_EQ(h.status, 0) << h.failed_call << ": " << h.why;
}

}  // namespace
}  // namespace sslp11::pool_test
