// SslEncryptPacket / SslDecryptPacket against OpenSSL, for every suite each
// test token offers: our records open with OpenSSL under the keys the TLS PRF
// gives (computed by OpenSSL), OpenSSL's records open with our read key, the
// sizes are RFC 5246/5288/7905's, and the in-place layouts of reference §6.4
// work.
#include <gtest/gtest.h>

#include <algorithm>

#include "records/support/record_fixture.h"

namespace sslp11::recordtest {
namespace {

constexpr std::size_t kSizes[] = {0, 1, 15, 16, 17, 255, 16384};
constexpr std::uint64_t kSequences[] = {0, 1, 1ull << 32, 1ull << 48};

std::uint64_t be64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

// Every suite, both directions, every size and sequence number of interest.
class EverySuite : public RecordTest {};

TEST_P(EverySuite, EncryptedRecordsOpenWithOpenSSL) {
  for (std::size_t size : kSizes) {
    for (std::uint64_t seq : kSequences) {
      SCOPED_TRACE("plaintext " + std::to_string(size) + " bytes, sequence " + std::to_string(seq));
      const Bytes plaintext = random_bytes(size);
      const auto r = encrypt(p(), write_key(), plaintext, seq);
      ASSERT_STATUS(ERROR_SUCCESS, r.status);
      ASSERT_EQ(r.result, expected_record_size(suite(), size));
      EXPECT_EQ(Bytes(r.out.begin(), r.out.begin() + 5), record_header(CT_APPLICATIONDATA, r.result - 5));
      if (suite().cipher == Cipher::aes_gcm) {
        EXPECT_EQ(be64(&r.out[5]), seq) << "explicit nonce = sequence number";
      }
      const auto opened = open(suite(), conn().ours, seq, r.out);
      ASSERT_TRUE(opened.has_value()) << "OpenSSL rejects the record: " << hex(r.out).substr(0, 160);
      EXPECT_EQ(*opened, plaintext);
    }
  }
}

TEST_P(EverySuite, OpenSSLRecordsDecrypt) {
  for (std::size_t size : kSizes) {
    for (std::uint64_t seq : kSequences) {
      SCOPED_TRACE("plaintext " + std::to_string(size) + " bytes, sequence " + std::to_string(seq));
      const Bytes plaintext = random_bytes(size);
      const Bytes record = seal(suite(), conn().theirs, seq, CT_APPLICATIONDATA, plaintext);
      const auto r = decrypt(p(), read_key(), record, seq);
      ASSERT_STATUS(ERROR_SUCCESS, r.status);
      EXPECT_EQ(r.result, size);
      EXPECT_EQ(r.out, plaintext);
    }
  }
}

// One suite per record layout from here on: the key exchange does not reach
// the record layer.
class Records : public RecordTest {};

TEST_P(Records, EveryContentTypeIsSealedAndAuthenticated) {
  for (std::uint8_t type = CT_CHANGE_CIPHER_SPEC; type <= CT_APPLICATIONDATA; ++type) {
    const Bytes plaintext = random_bytes(33);
    const auto r = encrypt(p(), write_key(), plaintext, 7, type);
    ASSERT_STATUS(ERROR_SUCCESS, r.status);
    EXPECT_EQ(r.out[0], type);
    EXPECT_EQ(open(suite(), conn().ours, 7, r.out), plaintext) << "type " << int(type);
    Bytes retyped = r.out;
    retyped[0] = type == CT_APPLICATIONDATA ? CT_HANDSHAKE : CT_APPLICATIONDATA;
    EXPECT_FALSE(open(suite(), conn().ours, 7, retyped).has_value()) << "the type is under the MAC/tag";
  }
}

TEST_P(Records, OwnRecordsDoNotOpenWithTheReadKey) {
  const auto r = encrypt(p(), write_key(), random_bytes(20), 0);
  ASSERT_STATUS(ERROR_SUCCESS, r.status);
  EXPECT_STATUS(NTE_DECRYPTION_FAILURE, decrypt(p(), read_key(), r.out, 0).status);
}

// ---- Sizes ----

TEST_P(Records, EncryptSizeQuery) {
  for (std::size_t size : kSizes) {
    Bytes plaintext = random_bytes(size);
    const DWORD want = static_cast<DWORD>(expected_record_size(suite(), size));
    PBYTE in = plaintext.empty() ? nullptr : plaintext.data();
    DWORD result = 12345;
    EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslEncryptPacket(p(), write_key(), in, static_cast<DWORD>(size), nullptr, 0,
                                                         &result, 0, CT_APPLICATIONDATA, 0));
    EXPECT_EQ(result, want) << size;
    Bytes out(want, 0xA5);
    result = 12345;
    EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslEncryptPacket(p(), write_key(), in, static_cast<DWORD>(size), out.data(),
                                                         want - 1, &result, 0, CT_APPLICATIONDATA, 0));
    EXPECT_EQ(result, want);
    EXPECT_EQ(out, Bytes(want, 0xA5)) << "nothing written into a buffer that is too small";
    EXPECT_STATUS(ERROR_SUCCESS, SslEncryptPacket(p(), write_key(), in, static_cast<DWORD>(size), out.data(), want,
                                                  &result, 0, CT_APPLICATIONDATA, 0));
    EXPECT_EQ(result, want);
    EXPECT_EQ(open(suite(), conn().ours, 0, out), plaintext);
  }
}

TEST_P(Records, DecryptSizeQuery) {
  for (std::size_t size : kSizes) {
    const Bytes plaintext = random_bytes(size);
    Bytes record = seal(suite(), conn().theirs, 9, CT_APPLICATIONDATA, plaintext);
    DWORD capacity = 0;
    EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslDecryptPacket(p(), read_key(), record.data(),
                                                         static_cast<DWORD>(record.size()), nullptr, 0, &capacity, 9, 0));
    // Exact for AEAD; for CBC the most the record can hold, as its padding
    // is unknown before the MAC is checked.
    if (suite().aead()) {
      EXPECT_EQ(capacity, size);
    } else {
      EXPECT_EQ(capacity, std::min<std::size_t>(record.size() - 5 - 16 - suite().mac_bytes() - 1, 16384));
    }
    Bytes out(capacity + 1, 0xA5);
    DWORD result = 0;
    if (capacity > 0) {
      EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, SslDecryptPacket(p(), read_key(), record.data(),
                                                           static_cast<DWORD>(record.size()), out.data(), capacity - 1,
                                                           &result, 9, 0));
      EXPECT_EQ(result, capacity);
    }
    ASSERT_STATUS(ERROR_SUCCESS, SslDecryptPacket(p(), read_key(), record.data(), static_cast<DWORD>(record.size()),
                                                  out.data(), capacity, &result, 9, 0));
    EXPECT_EQ(result, size);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + result), plaintext);
    EXPECT_EQ(out.back(), 0xA5) << "nothing written past the capacity";
  }
}

// ---- CBC ----

class CbcRecords : public RecordTest {};

TEST_P(CbcRecords, AcceptEveryValidPaddingLength) {
  const std::size_t m = suite().mac_bytes();
  for (std::size_t padding = 1; padding <= 256; ++padding) {
    const std::size_t length = (16 - (m + padding) % 16) % 16 + 16;
    const Bytes plaintext = random_bytes(length);
    const Bytes record = seal_cbc_padded(suite(), conn().theirs, 3, CT_APPLICATIONDATA, plaintext, padding);
    const auto r = decrypt(p(), read_key(), record, 3);
    ASSERT_STATUS(ERROR_SUCCESS, r.status) << padding << " bytes of padding";
    EXPECT_EQ(r.out, plaintext) << padding << " bytes of padding";
  }
}

TEST_P(CbcRecords, ExplicitIvIsFreshPerRecord) {
  const Bytes plaintext(40, 0x42);
  const auto a = encrypt(p(), write_key(), plaintext, 5);
  const auto b = encrypt(p(), write_key(), plaintext, 5);
  ASSERT_STATUS(ERROR_SUCCESS, a.status);
  ASSERT_STATUS(ERROR_SUCCESS, b.status);
  EXPECT_NE(Bytes(a.out.begin() + 5, a.out.begin() + 21), Bytes(b.out.begin() + 5, b.out.begin() + 21));
}

// ---- In place (reference §6.4) ----

class InPlace : public RecordTest {
 protected:
  void encrypt_at(std::size_t input_offset) {
    for (std::size_t size : {std::size_t{0}, std::size_t{17}, std::size_t{16384}}) {
      const Bytes plaintext = random_bytes(size);
      const std::size_t want = expected_record_size(suite(), size);
      Bytes buffer(want + 64, 0xA5);
      std::copy(plaintext.begin(), plaintext.end(), buffer.begin() + static_cast<std::ptrdiff_t>(input_offset));
      DWORD result = 0;
      ASSERT_STATUS(ERROR_SUCCESS,
                    SslEncryptPacket(p(), write_key(), buffer.data() + input_offset, static_cast<DWORD>(size),
                                     buffer.data(), static_cast<DWORD>(buffer.size()), &result, 11, CT_APPLICATIONDATA, 0));
      ASSERT_EQ(result, want);
      buffer.resize(result);
      EXPECT_EQ(open(suite(), conn().ours, 11, buffer), plaintext) << size << " bytes";
    }
  }
  void decrypt_at(std::size_t output_offset) {
    for (std::size_t size : {std::size_t{0}, std::size_t{17}, std::size_t{16384}}) {
      const Bytes plaintext = random_bytes(size);
      Bytes record = seal(suite(), conn().theirs, 12, CT_APPLICATIONDATA, plaintext);
      DWORD result = 0;
      ASSERT_STATUS(ERROR_SUCCESS, SslDecryptPacket(p(), read_key(), record.data(), static_cast<DWORD>(record.size()),
                                                    record.data() + output_offset,
                                                    static_cast<DWORD>(record.size() - output_offset), &result, 12, 0));
      ASSERT_EQ(result, size);
      EXPECT_EQ(Bytes(record.begin() + static_cast<std::ptrdiff_t>(output_offset),
                      record.begin() + static_cast<std::ptrdiff_t>(output_offset + size)),
                plaintext);
    }
  }
};

TEST_P(InPlace, EncryptWherePlaintextIsTheCiphertextsPlace) { encrypt_at(5 + suite().explicit_iv_bytes()); }
TEST_P(InPlace, EncryptWithPlaintextRightAfterTheHeader) { encrypt_at(5); }
TEST_P(InPlace, DecryptOntoTheCiphertext) { decrypt_at(5 + suite().explicit_iv_bytes()); }
TEST_P(InPlace, DecryptRightAfterTheHeader) { decrypt_at(5); }

// ---- Direction by role ----

class Roles : public RecordTest {};

TEST_P(Roles, ServerWritesWithServerKeysAndReadsClientRecords) {
  Connection server = connect(p(), suite(), NCRYPT_SSL_SERVER_FLAG);
  const Bytes plaintext = random_bytes(100);
  const auto r = encrypt(p(), server.write.get(), plaintext, 1);
  ASSERT_STATUS(ERROR_SUCCESS, r.status);
  EXPECT_EQ(open(suite(), server.ours, 1, r.out), plaintext);
  const auto back = decrypt(p(), server.read.get(), seal(suite(), server.theirs, 1, CT_HANDSHAKE, plaintext), 1);
  ASSERT_STATUS(ERROR_SUCCESS, back.status);
  EXPECT_EQ(back.out, plaintext);
}

INSTANTIATE_TEST_SUITE_P(Suites, EverySuite, ::testing::ValuesIn(token_suites()), TokenSuiteName{});
INSTANTIATE_TEST_SUITE_P(Layouts, Records, ::testing::ValuesIn(token_layouts()), TokenSuiteName{});
INSTANTIATE_TEST_SUITE_P(Layouts, CbcRecords, ::testing::ValuesIn(token_cbc_layouts()), TokenSuiteName{});
INSTANTIATE_TEST_SUITE_P(Layouts, InPlace, ::testing::ValuesIn(token_layouts()), TokenSuiteName{});
// An RSA-exchange server imports its master key (SslImportMasterKey) rather
// than generating it, so the role test runs on the (EC)DHE representatives.
INSTANTIATE_TEST_SUITE_P(Layouts, Roles,
                         ::testing::ValuesIn(token_suites([](const SuiteFacts& s) {
                           return represents_its_layout(s) && s.exchange != Exchange::rsa;
                         })),
                         TokenSuiteName{});

// Every suite a token offers is one the tests above know (and so test), and
// every layout of the table has its representative.
class Catalogue : public ::testing::TestWithParam<test::TokenSpec> {};

TEST_P(Catalogue, EveryOfferedSuiteIsCovered) {
  test::ProviderHandle provider(GetParam());
  ASSERT_EQ(provider.open_status(), ERROR_SUCCESS) << test::last_error();
  const auto offered = offered_suites(provider.get());
  EXPECT_FALSE(offered.empty());
  std::string names;
  for (auto id : offered) {
    const SuiteFacts* s = find_suite_facts(id);
    EXPECT_NE(s, nullptr) << "suite 0x" << std::hex << id << " is offered but unknown to the record tests";
    if (s != nullptr) names += " " + std::string(s->name);
  }
  std::cout << "[records] " << GetParam().name << " offers " << offered.size() << " suites:" << names << "\n";
  for (const auto& s : all_suite_facts()) {
    const bool represented = std::any_of(all_suite_facts().begin(), all_suite_facts().end(), [&](const SuiteFacts& r) {
      return represents_its_layout(r) && same_record_layout(r, s);
    });
    EXPECT_TRUE(represented) << s.name << " has no representative among the per-layout tests";
  }
}

// The record tests skip a suite whose key exchange fails; this makes that a
// failure, once per token.
TEST_P(Catalogue, EveryOfferedSuiteYieldsRecordKeys) {
  test::ProviderHandle provider(GetParam());
  ASSERT_EQ(provider.open_status(), ERROR_SUCCESS) << test::last_error();
  for (auto id : offered_suites(provider.get())) {
    const SuiteFacts* s = find_suite_facts(id);
    if (s == nullptr) continue;
    try {
      connect(provider.get(), *s);
    } catch (const std::exception& e) {
      ADD_FAILURE() << s->name << ": " << e.what();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, Catalogue, ::testing::ValuesIn(test::TestTokens::all()), test::TokenName{});

}  // namespace
}  // namespace sslp11::recordtest
