// The deterministic half of the TLS 1.3 benchmark (bench/tls13_operations.h):
// one 1-RTT key schedule through the Ssl* API makes exactly the raw floor's
// PKCS#11 calls, leaves the token as it found it, and both sides compute the
// Finished values OpenSSL computes (so the floor the API is held to is a real
// TLS 1.3 schedule, not a cheaper imitation). No timing here.
#include <gtest/gtest.h>

#include <iostream>

#include "bench/call_counting.h"
#include "bench/tls13_operations.h"
#include "support/oracle/digests.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls13_kdf.h"
#include "support/suite_facts.h"

namespace sslp11::bench {
namespace {

using oracle::Bytes;

class Tls13CallCount : public ::testing::TestWithParam<test::TokenSpec> {
 protected:
  BenchToken& token() { return BenchToken::get(GetParam().name); }
};

TEST_P(Tls13CallCount, OneRttScheduleMakesExactlyTheFloorsCalls) {
  BenchToken& t = token();
  const Tls13Keys& k = tls13_keys(t);
  auto s = t.open_session();
  const std::uint64_t floor = floor_calls([&] { floor_tls13_schedule(t, s->handle(), k); });
  const std::uint64_t provider = provider_calls([&] { provider_tls13_schedule(t, k); });
  std::cout << "[tls13-bench-calls] token=" << t.name() << " floor=" << floor << " provider=" << provider << std::endl;
  // The floor, derived call by call in bench/tls13_operations.cpp:
  //   native   43 to make (HKDF derives, ECDH + its destroy, 3 digests, IVs,
  //            Finished) + 11 destroys at the end = 54;
  //   composed 70 (HMACs, creates, the (EC)DHE read, 3 digests) + 11 = 81.
  EXPECT_EQ(floor, k.floor->native() ? 54u : 81u);
  EXPECT_EQ(provider, floor);
}

TEST_P(Tls13CallCount, BothSidesLeaveTheTokenAsTheyFoundIt) {
  BenchToken& t = token();
  const Tls13Keys& k = tls13_keys(t);
  auto s = t.open_session();
  provider_tls13_schedule(t, k);  // warm: the zeros object and the pool's session exist
  floor_tls13_schedule(t, s->handle(), k);
  const std::size_t before = count_objects(*s);
  provider_tls13_schedule(t, k);
  floor_tls13_schedule(t, s->handle(), k);
  EXPECT_EQ(count_objects(*s), before);
}

// Both Finished of each side against OpenSSL's TLS 1.3 schedule from the
// (EC)DHE secret OpenSSL computes with the peer's private key.
TEST_P(Tls13CallCount, BothSidesComputeOpenSslsFinished) {
  BenchToken& t = token();
  const oracle::CurveFacts& curve = oracle::p256();
  const oracle::Pkey peer = oracle::ec_generate(curve);
  const Bytes peer_point = oracle::ec_public_point(peer.get());
  const auto k = make_tls13_keys(t, peer_point);
  const oracle::Hash h = oracle::Hash::sha256;
  const std::span<const std::uint8_t> m(k->messages);
  const Bytes th1 = oracle::digest(h, m.first(k->hello_end));
  const Bytes th2 = oracle::digest(h, m.first(k->certificate_verify_end));
  const Bytes th3 = oracle::digest(h, m);
  auto expected = [&](const Bytes& own_point) {
    const oracle::Pkey own = oracle::ec_public_from_point(curve, own_point);
    const Bytes z = oracle::ecdh(peer.get(), own.get());
    const Bytes early = oracle::tls13_extract(h, std::nullopt, std::nullopt);
    const Bytes hs = oracle::tls13_extract(h, early, z);
    Bytes both = oracle::tls13_finished(h, oracle::tls13_derive_secret(h, hs, "s hs traffic", th1), th2);
    const Bytes client = oracle::tls13_finished(h, oracle::tls13_derive_secret(h, hs, "c hs traffic", th1), th3);
    both.insert(both.end(), client.begin(), client.end());
    return both;
  };
  Bytes api(64), raw(64);
  provider_tls13_schedule(t, *k, api);
  auto s = t.open_session();
  floor_tls13_schedule(t, s->handle(), *k, raw);
  EXPECT_EQ(api, expected(k->own_point));
  EXPECT_EQ(raw, expected(k->floor_own_point));
  k->floor->destroy(t.setup_session().handle(), k->floor_own);
  k->floor->destroy(t.setup_session().handle(), k->floor_zeros);
}

INSTANTIATE_TEST_SUITE_P(Tokens, Tls13CallCount, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::bench
