// The deterministic half of the benchmarks: for every measured operation the
// provider makes exactly as many PKCS#11 calls as the raw floor (no lookups,
// mechanism queries or session churn on the hot path). No timing here.
#include <gtest/gtest.h>

#include <cstring>

#include "bench/call_counting.h"
#include "bench/operations.h"

namespace sslp11::bench {
namespace {

class CallCount : public ::testing::TestWithParam<test::TokenSpec> {
 protected:
  BenchToken& token() { return BenchToken::get(GetParam().name); }
};

TEST_P(CallCount, SessionKeysAes128Gcm) {
  BenchToken& t = token();
  const SuiteKeys& k = t.keys(kGcm128);
  auto s = t.open_session();
  const auto floor = floor_calls([&] { floor_session_keys(t, s->handle(), k); });
  EXPECT_EQ(provider_calls([&] { provider_session_keys(t, k); }), floor);
  // The numbers docs/performance.md quotes: 12 composed (4 HMACs, 2 creates, 2 destroys), 5 native.
  EXPECT_EQ(floor, t.floor().native() ? 5u : 12u);
}

TEST_P(CallCount, SessionKeysAes256CbcSha384) {
  BenchToken& t = token();
  const SuiteKeys& k = t.keys(kCbc256);
  auto s = t.open_session();
  const auto floor = floor_calls([&] { floor_session_keys(t, s->handle(), k); });
  EXPECT_EQ(provider_calls([&] { provider_session_keys(t, k); }), floor);
}

TEST_P(CallCount, EcdheMasterKey) {
  BenchToken& t = token();
  const SuiteKeys& k = t.keys(kGcm128);
  auto s = t.open_session();
  const auto floor = floor_calls([&] { floor_master_key(t, s->handle(), k); });
  EXPECT_EQ(provider_calls([&] { provider_master_key(t, k); }), floor);
}

TEST_P(CallCount, ServerKeySchedule) {
  BenchToken& t = token();
  const SuiteKeys& k = t.keys(kGcm128);
  auto s = t.open_session();
  const auto floor = floor_calls([&] { floor_server_schedule(t, s->handle(), k); });
  EXPECT_EQ(provider_calls([&] { provider_server_schedule(t, k); }), floor);
}

TEST_P(CallCount, Records) {
  BenchToken& t = token();
  auto s = t.open_session();
  const ProviderRecordKeys pkeys = provider_record_keys(t);
  auto fkey = floor_record_key(t, s->handle());
  for (std::size_t size : {256u, 1024u, 16384u}) {
    SCOPED_TRACE(size);
    std::vector<std::uint8_t> plain(size, 0x5a), record(size + 64), back(size + 64), sealed(size + 64);
    std::uint64_t seq = 1;
    const auto floor_enc = floor_calls([&] { sealed.resize(floor_encrypt(*fkey, seq++, plain, sealed)); });
    EXPECT_EQ(floor_enc, 2u);
    EXPECT_EQ(provider_calls([&] { record.resize(provider_encrypt(t, pkeys, seq++, plain, record)); }), floor_enc);
    // The provider's record opens at the other end with the same bytes.
    const auto floor_dec = floor_calls([&] { floor_decrypt(*fkey, seq - 3, sealed, back); });
    EXPECT_EQ(provider_calls([&] {
                EXPECT_EQ(provider_decrypt(t, pkeys, seq - 1, record, back), size);
              }),
              floor_dec);
    EXPECT_EQ(0, std::memcmp(back.data(), plain.data(), size));
  }
  fkey.reset();
}

INSTANTIATE_TEST_SUITE_P(Tokens, CallCount, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::bench
