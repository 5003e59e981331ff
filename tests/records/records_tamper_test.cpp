// Records that must not open: every byte flipped, the wrong sequence
// number, truncated, extended and oversize records, and crafted CBC records
// with bad padding or a bad MAC. Each fails with one status --
// NTE_DECRYPTION_FAILURE for anything authentication catches, NTE_BAD_DATA for
// what the header shows in the clear -- and writes no plaintext (the output
// buffer keeps its fill pattern, *pcbResult stays 0).
#include <gtest/gtest.h>

#include <set>

#include "records/support/record_fixture.h"

namespace sslp11::recordtest {
namespace {

constexpr std::uint8_t kFill = 0xA5;

class Tamper : public RecordTest {
 protected:
  // SslDecryptPacket into a pattern-filled buffer; checks the status and that
  // nothing came out.
  void expect_rejected(const Bytes& record, std::uint64_t seq, SECURITY_STATUS want, const std::string& what) {
    Bytes in = record;
    Bytes out(record.size() + 16, kFill);
    DWORD result = 0xFFFF;
    const SECURITY_STATUS s = SslDecryptPacket(p(), read_key(), in.empty() ? nullptr : in.data(),
                                               static_cast<DWORD>(in.size()), out.data(),
                                               static_cast<DWORD>(out.size()), &result, seq, 0);
    EXPECT_EQ(Status{s}, Status{want}) << what << "\n  sslp11 says: " << test::last_error();
    EXPECT_EQ(out, Bytes(out.size(), kFill)) << what << ": plaintext was written";
    EXPECT_EQ(result, 0u) << what;
    if (s == NTE_DECRYPTION_FAILURE) messages_.insert(test::last_error());
  }

  // What a well-formed header with `body` bytes behind it leads to: the
  // framing rules every suite shows in the clear, else authentication.
  SECURITY_STATUS expected_for_body(std::size_t body) const {
    if (body > 16384 + 2048) return NTE_BAD_DATA;
    if (suite().aead()) {
      if (body < suite().explicit_iv_bytes() + 16) return NTE_BAD_DATA;
      if (body - suite().explicit_iv_bytes() - 16 > 16384) return NTE_BAD_DATA;
      return NTE_DECRYPTION_FAILURE;
    }
    const std::size_t min_encrypted = (suite().mac_bytes() + 1 + 15) / 16 * 16;
    if (body < 16 + min_encrypted || (body - 16) % 16 != 0) return NTE_BAD_DATA;
    return NTE_DECRYPTION_FAILURE;
  }

  static Bytes with_length(Bytes record) {
    const std::size_t body = record.size() - 5;
    record[3] = static_cast<std::uint8_t>(body >> 8);
    record[4] = static_cast<std::uint8_t>(body);
    return record;
  }

  void flip_and_expect(const Bytes& record, std::size_t at, std::uint64_t seq) {
    Bytes bad = record;
    bad[at] ^= static_cast<std::uint8_t>(1u << (at % 8));
    const bool clear_header = at >= 1 && at <= 4;  // version and length: checked before decryption
    expect_rejected(bad, seq, clear_header ? NTE_BAD_DATA : NTE_DECRYPTION_FAILURE,
                    "byte " + std::to_string(at) + " of " + std::to_string(record.size()) + " flipped");
  }

  // Every failure that reached authentication said the same thing.
  void TearDown() override {
    EXPECT_LE(messages_.size(), 1u) << "the failures are distinguishable by their explanation";
    RecordTest::TearDown();
  }

  std::set<std::string> messages_;
};

TEST_P(Tamper, EveryByteOfASmallRecordFlipped) {
  for (std::size_t size : {std::size_t{0}, std::size_t{20}}) {
    const Bytes record = seal(suite(), conn().theirs, 5, CT_APPLICATIONDATA, random_bytes(size));
    ASSERT_STATUS(ERROR_SUCCESS, decrypt(p(), read_key(), record, 5).status) << "the untouched record opens";
    for (std::size_t at = 0; at < record.size(); ++at) flip_and_expect(record, at, 5);
  }
}

TEST_P(Tamper, SampledBytesOfAFullRecordFlipped) {
  const Bytes record = seal(suite(), conn().theirs, 1ull << 40, CT_APPLICATIONDATA, random_bytes(16384));
  ASSERT_STATUS(ERROR_SUCCESS, decrypt(p(), read_key(), record, 1ull << 40).status);
  std::set<std::size_t> positions;
  for (std::size_t at = 0; at < 5 + 16 + 16; ++at) positions.insert(at);                  // header, IV/nonce, first block
  for (std::size_t at = 37; at < record.size(); at += 509) positions.insert(at);          // the body
  for (std::size_t at = record.size() - 80; at < record.size(); ++at) positions.insert(at);  // MAC/tag, padding
  for (std::size_t at : positions) flip_and_expect(record, at, 1ull << 40);
}

TEST_P(Tamper, WrongSequenceNumber) {
  const std::uint64_t seq = 5;
  const Bytes record = seal(suite(), conn().theirs, seq, CT_APPLICATIONDATA, random_bytes(64));
  for (std::uint64_t wrong : std::initializer_list<std::uint64_t>{seq - 1, seq + 1, seq ^ (1ull << 32), seq | (1ull << 48), ~seq}) {
    expect_rejected(record, wrong, NTE_DECRYPTION_FAILURE, "sequence " + std::to_string(wrong));
  }
}

TEST_P(Tamper, TruncatedRecords) {
  const Bytes record = seal(suite(), conn().theirs, 2, CT_HANDSHAKE, random_bytes(40));
  for (std::size_t keep = 0; keep < record.size(); ++keep) {
    const Bytes cut(record.begin(), record.begin() + static_cast<std::ptrdiff_t>(keep));
    expect_rejected(cut, 2, NTE_BAD_DATA, "first " + std::to_string(keep) + " bytes, header as sent");
    if (keep >= 5) {
      expect_rejected(with_length(cut), 2, expected_for_body(keep - 5),
                      "first " + std::to_string(keep) + " bytes, header length adjusted");
    }
  }
}

TEST_P(Tamper, ExtendedRecords) {
  const Bytes record = seal(suite(), conn().theirs, 2, CT_APPLICATIONDATA, random_bytes(40));
  for (std::size_t extra : {1, 15, 16, 32, 255}) {
    Bytes longer = record;
    const Bytes tail = random_bytes(extra);
    longer.insert(longer.end(), tail.begin(), tail.end());
    expect_rejected(longer, 2, NTE_BAD_DATA, std::to_string(extra) + " bytes appended, header as sent");
    expect_rejected(with_length(longer), 2, expected_for_body(longer.size() - 5),
                    std::to_string(extra) + " bytes appended, header length adjusted");
  }
}

TEST_P(Tamper, OversizeRecords) {
  const Bytes record = seal(suite(), conn().theirs, 0, CT_APPLICATIONDATA, random_bytes(16384));
  for (std::size_t body : {std::size_t{16384 + 2048}, std::size_t{16384 + 2049}, std::size_t{65535}}) {
    Bytes big = record;
    big.resize(5 + body, 0x17);
    expect_rejected(with_length(big), 0, expected_for_body(body), "body of " + std::to_string(body) + " bytes");
  }
  Bytes huge(5 + 70000, 0x17);  // more than a header can even announce
  huge[0] = CT_APPLICATIONDATA;
  huge[1] = huge[2] = 3;
  expect_rejected(huge, 0, NTE_BAD_DATA, "70000-byte body");
}

TEST_P(Tamper, HeaderVersionMustBeTheKeys) {
  const Bytes record = seal(suite(), conn().theirs, 0, CT_APPLICATIONDATA, random_bytes(10));
  for (std::uint16_t version : {0x0300, 0x0301, 0x0302, 0x0304, 0x0203}) {
    Bytes other = record;
    other[1] = static_cast<std::uint8_t>(version >> 8);
    other[2] = static_cast<std::uint8_t>(version);
    expect_rejected(other, 0, NTE_BAD_DATA, "version " + std::to_string(version));
  }
}

// CBC records made by hand: the MAC right and the padding wrong, or the
// other way round. Both must look the same from outside.
class CbcTamper : public Tamper {};

TEST_P(CbcTamper, BadPaddingAndBadMacLookAlike) {
  const std::size_t m = suite().mac_bytes();
  const auto& k = conn().theirs;
  const std::uint64_t seq = 77;
  const std::size_t length = (16 - (m + 16) % 16) % 16 + 32;  // leaves 16 bytes of padding
  const Bytes plaintext = random_bytes(length);
  const Bytes mac = cbc_mac(suite(), k, seq, CT_APPLICATIONDATA, plaintext);
  auto body_with = [&](const Bytes& the_mac, std::size_t padding, std::uint8_t value) {
    Bytes body = plaintext;
    body.insert(body.end(), the_mac.begin(), the_mac.end());
    body.insert(body.end(), padding, value);
    return body;
  };
  auto record_of = [&](const Bytes& body) { return cbc_record(suite(), k, CT_APPLICATIONDATA, random_bytes(16), body); };

  ASSERT_STATUS(ERROR_SUCCESS, decrypt(p(), read_key(), record_of(body_with(mac, 16, 15)), seq).status);

  Bytes bad_mac = mac;
  bad_mac[m / 2] ^= 0x01;
  expect_rejected(record_of(body_with(bad_mac, 16, 15)), seq, NTE_DECRYPTION_FAILURE, "MAC wrong, padding right");
  Bytes last_mac_byte = mac;
  last_mac_byte[m - 1] ^= 0x80;
  expect_rejected(record_of(body_with(last_mac_byte, 16, 15)), seq, NTE_DECRYPTION_FAILURE, "last MAC byte wrong");
  for (std::size_t wrong : {0, 7, 14}) {
    Bytes body = body_with(mac, 16, 15);
    body[length + m + wrong] ^= 0x01;
    expect_rejected(record_of(body), seq, NTE_DECRYPTION_FAILURE,
                    "MAC right, padding byte " + std::to_string(wrong) + " wrong");
  }
  Bytes longer_claim = body_with(mac, 16, 15);
  longer_claim.back() = 16;  // claims 17 bytes of padding: reaches into the MAC
  expect_rejected(record_of(longer_claim), seq, NTE_DECRYPTION_FAILURE, "padding length one too long");
  Bytes beyond = body_with(mac, 16, 15);
  beyond.back() = 255;  // more padding than the whole record
  expect_rejected(record_of(beyond), seq, NTE_DECRYPTION_FAILURE, "padding length beyond the record");
  Bytes shorter_claim = body_with(mac, 16, 15);
  shorter_claim.back() = 0;  // valid padding of one byte: MAC then sits at the wrong place
  expect_rejected(record_of(shorter_claim), seq, NTE_DECRYPTION_FAILURE, "padding length 0, MAC misplaced");
}

// One suite per record layout: the key exchange does not reach the record layer.
INSTANTIATE_TEST_SUITE_P(Layouts, Tamper, ::testing::ValuesIn(token_layouts()), TokenSuiteName{});
INSTANTIATE_TEST_SUITE_P(Layouts, CbcTamper, ::testing::ValuesIn(token_cbc_layouts()), TokenSuiteName{});

}  // namespace
}  // namespace sslp11::recordtest
