// A constant-time smoke check of CBC record decryption (Lucky Thirteen): the
// same-length record failing on its MAC (with 256 bytes of good padding, so
// the real MAC covers the fewest bytes) and failing on its padding (treated as
// empty, so the MAC covers the most). 1000 of each, interleaved; the
// distributions are printed to the test log. A report, not an assertion:
// token call overhead and scheduling noise dwarf what the check is about.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "records/support/record_fixture.h"

namespace sslp11::recordtest {
namespace {

constexpr int kRuns = 1000;
constexpr std::size_t kBody = 1024;  // plaintext | MAC | padding, bytes

bool timing_suites(const SuiteFacts& s) {
  return s.id == TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA || s.id == TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 ||
         s.id == TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384;
}

struct Summary {
  double p10, median, p90;
};

Summary summarise(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[static_cast<std::size_t>(q * static_cast<double>(us.size() - 1))]; };
  return {at(0.10), at(0.50), at(0.90)};
}

class CbcTiming : public RecordTest {
 protected:
  double time_one(const Bytes& record, std::uint64_t seq) {
    Bytes in = record;
    Bytes out(record.size());
    DWORD result = 0;
    const auto start = std::chrono::steady_clock::now();
    const SECURITY_STATUS s = SslDecryptPacket(p(), read_key(), in.data(), static_cast<DWORD>(in.size()), out.data(),
                                               static_cast<DWORD>(out.size()), &result, seq, 0);
    const auto stop = std::chrono::steady_clock::now();
    EXPECT_EQ(Status{s}, Status{NTE_DECRYPTION_FAILURE});
    return std::chrono::duration<double, std::micro>(stop - start).count();
  }
};

TEST_P(CbcTiming, BadPaddingVersusBadMac) {
  const std::size_t m = suite().mac_bytes();
  const std::uint64_t seq = 1;
  const Bytes plaintext = random_bytes(kBody - m - 256);
  const auto& k = conn().theirs;
  Bytes body = plaintext;
  const Bytes mac = cbc_mac(suite(), k, seq, CT_APPLICATIONDATA, plaintext);
  body.insert(body.end(), mac.begin(), mac.end());
  body.insert(body.end(), 256, 255);
  ASSERT_EQ(body.size(), kBody);

  Bytes bad_mac_body = body;
  bad_mac_body[plaintext.size()] ^= 0x01;  // padding good: real MAC over 13 + L bytes, the fewest
  Bytes bad_padding_body = body;
  bad_padding_body[kBody - 100] ^= 0x01;  // MAC good but unreachable: padding treated as empty, MAC over the most
  const Bytes iv = random_bytes(16);
  const Bytes bad_mac = cbc_record(suite(), k, CT_APPLICATIONDATA, iv, bad_mac_body);
  const Bytes bad_padding = cbc_record(suite(), k, CT_APPLICATIONDATA, iv, bad_padding_body);

  for (int i = 0; i < 50; ++i) {  // warm-up: pool sessions, caches
    time_one(bad_mac, seq);
    time_one(bad_padding, seq);
  }
  std::vector<double> padding_us, mac_us;
  for (int i = 0; i < kRuns; ++i) {
    if (i % 2 == 0) {
      padding_us.push_back(time_one(bad_padding, seq));
      mac_us.push_back(time_one(bad_mac, seq));
    } else {
      mac_us.push_back(time_one(bad_mac, seq));
      padding_us.push_back(time_one(bad_padding, seq));
    }
  }
  const Summary pad = summarise(padding_us), bad = summarise(mac_us);
  char line[512];
  std::snprintf(line, sizeof line,
                "[timing] %-7s %-40s record %zu B, %d each | bad padding: median %7.2f us  p10 %7.2f  p90 %7.2f | "
                "bad MAC: median %7.2f us  p10 %7.2f  p90 %7.2f | medians differ by %+.2f us (%+.1f%%)",
                token().name.c_str(), std::string(suite().name).c_str(), bad_mac.size(), kRuns, pad.median, pad.p10,
                pad.p90, bad.median, bad.p10, bad.p90, pad.median - bad.median,
                100.0 * (pad.median - bad.median) / bad.median);
  std::printf("%s\n", line);
  RecordProperty("timing", line);
}

INSTANTIATE_TEST_SUITE_P(Suites, CbcTiming, ::testing::ValuesIn(token_suites(timing_suites)), TokenSuiteName{});

}  // namespace
}  // namespace sslp11::recordtest
