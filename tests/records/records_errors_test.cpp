// The statuses of SslEncryptPacket / SslDecryptPacket for bad arguments:
// flags, pointers, sizes, content types, handles (kind, direction, provider
// instance, liveness) and overlapping buffers other than the in-place
// layouts of reference §6.4. One AEAD suite with an explicit nonce (GCM), one
// without (ChaCha20, NSS only) and one CBC suite per token.
#include <gtest/gtest.h>

#include <cstring>

#include "abi/handle_table.h"
#include "core/keys.h"
#include "records/support/record_fixture.h"

namespace sslp11::recordtest {
namespace {

bool error_suites(const SuiteFacts& s) {
  return s.id == TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 || s.id == TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA ||
         s.id == TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256;
}

constexpr NCRYPT_HANDLE kForged = 0x0BADC0DE5EED1237u;

class RecordErrors : public RecordTest {
 protected:
  SECURITY_STATUS enc(NCRYPT_KEY_HANDLE key, PBYTE in, DWORD cb_in, PBYTE out, DWORD cb_out, DWORD* result,
                      DWORD type = CT_APPLICATIONDATA, DWORD flags = 0, NCRYPT_PROV_HANDLE prov = 0) {
    return SslEncryptPacket(prov != 0 ? prov : p(), key, in, cb_in, out, cb_out, result, 0, type, flags);
  }
  SECURITY_STATUS dec(NCRYPT_KEY_HANDLE key, PBYTE in, DWORD cb_in, PBYTE out, DWORD cb_out, DWORD* result,
                      DWORD flags = 0, NCRYPT_PROV_HANDLE prov = 0) {
    return SslDecryptPacket(prov != 0 ? prov : p(), key, in, cb_in, out, cb_out, result, 0, flags);
  }
  Bytes peer_record(std::size_t size = 32) { return seal(suite(), conn().theirs, 0, CT_APPLICATIONDATA, random_bytes(size)); }

  Bytes plaintext_ = random_bytes(32);
  Bytes out_ = Bytes(1024, 0);
  DWORD result_ = 0;
};

TEST_P(RecordErrors, FlagsAreReserved) {
  for (DWORD flags : {1u, 2u, 0x80000000u}) {
    EXPECT_STATUS(NTE_BAD_FLAGS, enc(write_key(), plaintext_.data(), 32, out_.data(), 1024, &result_,
                                     CT_APPLICATIONDATA, flags));
    Bytes record = peer_record();
    EXPECT_STATUS(NTE_BAD_FLAGS, dec(read_key(), record.data(), static_cast<DWORD>(record.size()), out_.data(), 1024,
                                     &result_, flags));
  }
}

TEST_P(RecordErrors, NullPointers) {
  Bytes record = peer_record();
  const auto cb = static_cast<DWORD>(record.size());
  EXPECT_STATUS(NTE_INVALID_PARAMETER, enc(write_key(), plaintext_.data(), 32, out_.data(), 1024, nullptr));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, dec(read_key(), record.data(), cb, out_.data(), 1024, nullptr));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, enc(write_key(), nullptr, 32, out_.data(), 1024, &result_));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, dec(read_key(), nullptr, cb, out_.data(), 1024, &result_));
  // No input at all: an empty fragment is fine, an empty record is not a record.
  ASSERT_STATUS(ERROR_SUCCESS, enc(write_key(), nullptr, 0, out_.data(), 1024, &result_));
  EXPECT_EQ(open(suite(), conn().ours, 0, ByteView(out_.data(), result_)), Bytes{});
  EXPECT_STATUS(NTE_BAD_DATA, dec(read_key(), nullptr, 0, out_.data(), 1024, &result_));
}

TEST_P(RecordErrors, FragmentIsAtMost16384Bytes) {
  Bytes big = random_bytes(16385);
  Bytes out(big.size() + 512);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, enc(write_key(), big.data(), 16385, out.data(), static_cast<DWORD>(out.size()),
                                           &result_));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, enc(write_key(), big.data(), 0xFFFFFFFFu, out.data(),
                                           static_cast<DWORD>(out.size()), &result_));
  EXPECT_STATUS(ERROR_SUCCESS, enc(write_key(), big.data(), 16384, out.data(), static_cast<DWORD>(out.size()), &result_));
}

TEST_P(RecordErrors, ContentTypeIs20To23) {
  for (DWORD type : {0u, 19u, 24u, 255u, 0x117u}) {
    EXPECT_STATUS(NTE_INVALID_PARAMETER, enc(write_key(), plaintext_.data(), 32, out_.data(), 1024, &result_, type))
        << "type " << type;
  }
  for (DWORD type = CT_CHANGE_CIPHER_SPEC; type <= CT_APPLICATIONDATA; ++type) {
    EXPECT_STATUS(ERROR_SUCCESS, enc(write_key(), plaintext_.data(), 32, out_.data(), 1024, &result_, type));
  }
}

TEST_P(RecordErrors, KeyDirection) {
  EXPECT_STATUS(NTE_INVALID_HANDLE, enc(read_key(), plaintext_.data(), 32, out_.data(), 1024, &result_));
  Bytes record = peer_record();
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                dec(write_key(), record.data(), static_cast<DWORD>(record.size()), out_.data(), 1024, &result_));
}

TEST_P(RecordErrors, KeyMustBeALiveSessionKeyOfThisProvider) {
  Bytes record = peer_record();
  const auto cb = static_cast<DWORD>(record.size());
  SslHandle ephemeral;
  ASSERT_STATUS(ERROR_SUCCESS, SslCreateEphemeralKey(p(), ephemeral.out(), TLS1_2_PROTOCOL_VERSION, suite().id,
                                                     TLS_ECC_P256_CURVE_KEY_TYPE, 0, nullptr, 0, 0));
  Connection freed = connect(p(), suite());
  const NCRYPT_KEY_HANDLE freed_write = freed.write.get(), freed_read = freed.read.get();
  freed.write.reset();
  freed.read.reset();
  for (NCRYPT_KEY_HANDLE bad : {NCRYPT_KEY_HANDLE{0}, NCRYPT_KEY_HANDLE{kForged}, NCRYPT_KEY_HANDLE{p()},
                                NCRYPT_KEY_HANDLE{ephemeral.get()}, freed_write, freed_read}) {
    EXPECT_STATUS(NTE_INVALID_HANDLE, enc(bad, plaintext_.data(), 32, out_.data(), 1024, &result_));
    EXPECT_STATUS(NTE_INVALID_HANDLE, dec(bad, record.data(), cb, out_.data(), 1024, &result_));
  }
  // The right key, through another provider instance on the same token.
  test::ProviderHandle other(token());
  ASSERT_EQ(other.open_status(), ERROR_SUCCESS);
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                enc(write_key(), plaintext_.data(), 32, out_.data(), 1024, &result_, CT_APPLICATIONDATA, 0, other.get()));
  EXPECT_STATUS(NTE_INVALID_HANDLE, dec(read_key(), record.data(), cb, out_.data(), 1024, &result_, 0, other.get()));
}

TEST_P(RecordErrors, ProviderHandle) {
  Bytes record = peer_record();
  for (NCRYPT_PROV_HANDLE bad : {NCRYPT_PROV_HANDLE{kForged}, NCRYPT_PROV_HANDLE{write_key()}}) {
    EXPECT_STATUS(NTE_INVALID_HANDLE,
                  enc(write_key(), plaintext_.data(), 32, out_.data(), 1024, &result_, CT_APPLICATIONDATA, 0, bad));
    EXPECT_STATUS(NTE_INVALID_HANDLE,
                  dec(read_key(), record.data(), static_cast<DWORD>(record.size()), out_.data(), 1024, &result_, 0, bad));
  }
}

// The token objects of a key die with the session that made them (token
// reset, C_CloseAllSessions...). Simulated by closing the pool's sessions.
TEST_P(RecordErrors, KeysLostWithTheirSession) {
  Bytes record = peer_record();
  auto provider = abi::HandleTable::instance().find<core::Provider>(p());
  ASSERT_NE(provider, nullptr);
  provider->token()->pool()->reset();
  EXPECT_STATUS(NTE_BAD_KEY_STATE, enc(write_key(), plaintext_.data(), 32, out_.data(), 1024, &result_));
  EXPECT_STATUS(NTE_BAD_KEY_STATE,
                dec(read_key(), record.data(), static_cast<DWORD>(record.size()), out_.data(), 1024, &result_));
  // A new handshake works again.
  Connection fresh = connect(p(), suite());
  EXPECT_STATUS(ERROR_SUCCESS, enc(fresh.write.get(), plaintext_.data(), 32, out_.data(), 1024, &result_));
}

// Input and output may overlap only as reference §6.4 lays out: the
// plaintext at output + 5 (+ explicit IV) when encrypting, the plaintext out
// at input + 5 (+ explicit IV) when decrypting.
TEST_P(RecordErrors, EncryptOverlap) {
  const std::size_t iv = suite().explicit_iv_bytes();
  const std::size_t size = 100;
  const std::size_t record_size = expected_record_size(suite(), size);
  Bytes buffer(4 * record_size);
  std::uint8_t* out = buffer.data() + record_size;  // room on both sides
  auto at = [&](std::ptrdiff_t offset) {
    const Bytes plaintext = random_bytes(size);
    std::memcpy(out + offset, plaintext.data(), size);
    return enc(write_key(), out + offset, size, out, static_cast<DWORD>(record_size), &result_);
  };
  for (std::ptrdiff_t offset : {std::ptrdiff_t{0}, std::ptrdiff_t{1}, std::ptrdiff_t{4}, std::ptrdiff_t{6},
                                static_cast<std::ptrdiff_t>(5 + iv + 1), static_cast<std::ptrdiff_t>(record_size - 1),
                                static_cast<std::ptrdiff_t>(-50)}) {
    EXPECT_STATUS(NTE_BUFFERS_OVERLAP, at(offset)) << "plaintext at output " << offset;
  }
  EXPECT_STATUS(ERROR_SUCCESS, at(5));
  EXPECT_STATUS(ERROR_SUCCESS, at(static_cast<std::ptrdiff_t>(5 + iv)));
  EXPECT_STATUS(ERROR_SUCCESS, at(static_cast<std::ptrdiff_t>(record_size))) << "adjacent, not overlapping";
  EXPECT_STATUS(ERROR_SUCCESS, at(-static_cast<std::ptrdiff_t>(size))) << "adjacent, not overlapping";
}

TEST_P(RecordErrors, DecryptOverlap) {
  const std::size_t iv = suite().explicit_iv_bytes();
  const Bytes record = peer_record(100);
  Bytes buffer(4 * record.size());
  std::uint8_t* in = buffer.data() + record.size();
  auto at = [&](std::ptrdiff_t offset) {
    std::memcpy(in, record.data(), record.size());
    return dec(read_key(), in, static_cast<DWORD>(record.size()), in + offset, static_cast<DWORD>(record.size()),
               &result_);
  };
  for (std::ptrdiff_t offset : {std::ptrdiff_t{0}, std::ptrdiff_t{1}, std::ptrdiff_t{4}, std::ptrdiff_t{6},
                                static_cast<std::ptrdiff_t>(5 + iv + 1), static_cast<std::ptrdiff_t>(record.size() - 1),
                                std::ptrdiff_t{-50}}) {
    EXPECT_STATUS(NTE_BUFFERS_OVERLAP, at(offset)) << "plaintext at input " << offset;
  }
  EXPECT_STATUS(ERROR_SUCCESS, at(5));
  EXPECT_STATUS(ERROR_SUCCESS, at(static_cast<std::ptrdiff_t>(5 + iv)));
  EXPECT_STATUS(ERROR_SUCCESS, at(static_cast<std::ptrdiff_t>(record.size()))) << "adjacent, not overlapping";
  EXPECT_STATUS(ERROR_SUCCESS, at(-static_cast<std::ptrdiff_t>(record.size()))) << "adjacent, not overlapping";
}

INSTANTIATE_TEST_SUITE_P(Suites, RecordErrors, ::testing::ValuesIn(token_suites(error_suites)), TokenSuiteName{});

}  // namespace
}  // namespace sslp11::recordtest
