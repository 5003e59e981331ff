// core::cbc_unpad, the host half of opening a CBC record, against a plain
// (branching) reading of RFC 5246 §6.2.3.2: for every padding length, good
// and bad padding, every MAC size. Bad padding must come out as "no padding"
// (so the MAC is still computed over a full-length message) and must never
// read outside the buffer -- ASan builds check that part.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "core/records.h"

namespace sslp11::recordtest {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Reference {
  bool good;
  std::size_t length;
  Bytes mac;
};

// The obvious, branching check.
Reference reference_unpad(const Bytes& d, std::size_t m) {
  const std::size_t n = d.size();
  const std::size_t pad = d.back();
  bool good = pad + 1 + m <= n;
  for (std::size_t i = 0; good && i <= pad; ++i) good = d[n - 1 - i] == pad;
  const std::size_t length = n - m - 1 - (good ? pad : 0);
  return {good, length, Bytes(d.begin() + static_cast<std::ptrdiff_t>(length),
                              d.begin() + static_cast<std::ptrdiff_t>(length + m))};
}

void expect_matches(const Bytes& d, std::size_t m, const std::string& what) {
  Bytes mac(m, 0xEE);
  const auto got = core::cbc_unpad(d, m, mac);
  const auto want = reference_unpad(d, m);
  ASSERT_TRUE(got.padding_good == 0 || got.padding_good == ~std::uint64_t{0}) << what << ": not a mask";
  EXPECT_EQ(got.padding_good != 0, want.good) << what;
  EXPECT_EQ(got.plaintext_bytes, want.length) << what;
  EXPECT_EQ(mac, want.mac) << what;
}

Bytes random_body(std::size_t n, std::mt19937& rng) {
  Bytes d(n);
  for (auto& b : d) b = static_cast<std::uint8_t>(rng());
  return d;
}

class CbcUnpad : public ::testing::TestWithParam<std::size_t> {};

TEST_P(CbcUnpad, EveryPaddingLengthGoodAndBroken) {
  const std::size_t m = GetParam();
  std::mt19937 rng(static_cast<unsigned>(m));
  for (std::size_t n : {(m + 1 + 15) / 16 * 16, std::size_t{256}, std::size_t{320}, std::size_t{1024}}) {
    for (std::size_t pad = 0; pad <= 255 && pad + 1 + m <= n; ++pad) {
      Bytes d = random_body(n, rng);
      std::fill(d.end() - static_cast<std::ptrdiff_t>(pad + 1), d.end(), static_cast<std::uint8_t>(pad));
      const std::string what = "n=" + std::to_string(n) + " pad=" + std::to_string(pad);
      expect_matches(d, m, what + " good");
      for (std::size_t wrong : {std::size_t{1}, pad / 2 + 1, pad}) {
        if (wrong == 0 || wrong > pad) continue;
        Bytes bad = d;
        bad[n - 1 - wrong] ^= 0x40;
        expect_matches(bad, m, what + " byte " + std::to_string(wrong) + " from the end wrong");
      }
    }
  }
}

TEST_P(CbcUnpad, PaddingLongerThanTheRecord) {
  const std::size_t m = GetParam();
  const std::size_t n = (m + 1 + 15) / 16 * 16;
  for (std::size_t pad = n - m; pad <= 255; ++pad) {
    Bytes d(n, static_cast<std::uint8_t>(pad));  // every byte "looks like" padding
    expect_matches(d, m, "n=" + std::to_string(n) + " pad=" + std::to_string(pad));
  }
}

TEST_P(CbcUnpad, RandomBodies) {
  const std::size_t m = GetParam();
  std::mt19937 rng(99);
  for (int i = 0; i < 2000; ++i) {
    const std::size_t n = (m + 1 + 15) / 16 * 16 + 16 * (rng() % 40);
    expect_matches(random_body(n, rng), m, "random body " + std::to_string(i));
  }
}

INSTANTIATE_TEST_SUITE_P(MacSizes, CbcUnpad, ::testing::Values(20, 32, 48),
                         [](const auto& info) { return "mac" + std::to_string(info.param); });

}  // namespace
}  // namespace sslp11::recordtest
