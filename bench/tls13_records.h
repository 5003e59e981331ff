// TLS 1.3 records (RFC 8446 §5.2-5.3) with TLS_AES_128_GCM_SHA256 through the
// Ssl* API and as their raw PKCS#11 floor. Shared by the benchmark program and
// the call-count test, so the test checks exactly what the benchmark measures.
//
// The token's work is the TLS 1.2 record's (bench/operations.h): one
// C_EncryptInit + C_Encrypt (C_DecryptInit + C_Decrypt) of AES-GCM; only the
// AEAD inputs differ: nonce = write IV xor the sequence number, AAD = the
// record header (type 23, 0x0303, length counting the tag). So the floor is
// the TLS 1.2 floor's RawFloor::gcm_encrypt / gcm_decrypt with those inputs.
//
// Keys: the client application traffic secret's write key, as a client that
// has finished a 1-RTT handshake holds it -- the provider's from
// SslExpandWriteKey, the floor's from floor_write_key -- made from the
// Tls13Keys set-up (bench/tls13_operations.h) before any timing. One write
// key both seals and opens (a TLS 1.3 record key is a direction's, not an end's).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "bench/tls13_operations.h"

namespace sslp11::bench {

// TLSInnerPlaintext (§5.2): the content, its type, no padding. A benchmark's
// "256 B" record carries 256 bytes of content, so 257 bytes are sealed; 16 KiB
// carries 2^14, the most a record may (16385 sealed).
inline constexpr std::size_t kInnerTypeBytes = 1;

// SslExpandWriteKey of the client application traffic secret, every other
// object of the schedule freed.
Handle provider_tls13_record_key(BenchToken& t, const Tls13Keys& k);

// The floor's key of the same kind, destroyed with its owner (before its
// session closes).
struct FloorTls13RecordKey {
  const BenchToken* token = nullptr;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  FloorWriteKey key;
  FloorTls13RecordKey() = default;
  FloorTls13RecordKey(const FloorTls13RecordKey&) = delete;
  FloorTls13RecordKey& operator=(const FloorTls13RecordKey&) = delete;
  ~FloorTls13RecordKey();
};
std::unique_ptr<FloorTls13RecordKey> floor_tls13_record_key(const BenchToken& t, CK_SESSION_HANDLE s,
                                                            const Tls13Keys& k);

// Seal `inner` (a TLSInnerPlaintext) as record `seq`; returns the record size
// (header + ciphertext + tag). Open returns the TLSInnerPlaintext's size.
std::size_t provider_tls13_encrypt(BenchToken& t, NCRYPT_KEY_HANDLE key, std::uint64_t seq,
                                   std::span<std::uint8_t> inner, std::span<std::uint8_t> record);
std::size_t provider_tls13_decrypt(BenchToken& t, NCRYPT_KEY_HANDLE key, std::uint64_t seq,
                                   std::span<std::uint8_t> record, std::span<std::uint8_t> inner);
// The floor writes the header into `record` and uses those 5 bytes as the AAD,
// so its output is a whole record too.
std::size_t floor_tls13_encrypt(const FloorTls13RecordKey& k, std::uint64_t seq, std::span<const std::uint8_t> inner,
                                std::span<std::uint8_t> record);
std::size_t floor_tls13_decrypt(const FloorTls13RecordKey& k, std::uint64_t seq, std::span<const std::uint8_t> record,
                                std::span<std::uint8_t> inner);

}  // namespace sslp11::bench
