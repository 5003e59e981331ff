// TLS 1.2 record protection with every key on the token (RFC 5246 §6.2,
// AES-GCM RFC 5288, ChaCha20-Poly1305 RFC 7905): the record layout and its
// sizes, the in-place layouts SslEncryptPacket/SslDecryptPacket accept
// (reference §6.4), and sealing or opening one record. The C ABI
// (abi/records.cpp) validates arguments and calls here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/cipher_suites.h"
#include "core/keys.h"

namespace sslp11::core {

inline constexpr std::size_t kRecordHeaderBytes = 5;
inline constexpr std::size_t kMaxPlaintext = 16384;                  // 2^14, RFC 5246 §6.2.1
inline constexpr std::size_t kMaxCiphertext = kMaxPlaintext + 2048;  // RFC 5246 §6.2.3
// A SessionKey of this protocol is a TLS 1.3 write key (SslExpandWriteKey):
// the caller seals and opens TLSInnerPlaintext (content, type, padding), the
// header says 0x0303, nonce = IV XOR sequence, AAD = the header (RFC 8446 §5).
inline constexpr std::uint32_t kTls13RecordProtocol = 0x0304;
// The largest plaintext SslEncryptPacket takes: a fragment, and in TLS 1.3
// the inner content type behind a full one (RFC 8446 §5.2).
constexpr std::size_t max_plaintext(std::uint32_t protocol) noexcept {
  return protocol == kTls13RecordProtocol ? kMaxPlaintext + 1 : kMaxPlaintext;
}

// change_cipher_spec, alert, handshake, application_data (20..23).
bool is_content_type(std::uint32_t type) noexcept;

// The record SslEncryptPacket writes for `plaintext` bytes, header included
// (the SslLookupCipherLengths arithmetic of reference §6.3).
std::size_t sealed_size(const CipherSuite& suite, std::size_t plaintext) noexcept;

// True when `plaintext` and `record` do not overlap, or overlap only as
// §6.4 allows: the plaintext already sits where its ciphertext goes (after
// header and explicit IV), or right after the header.
bool seal_layout_allowed(const CipherSuite& suite, std::span<const std::uint8_t> plaintext,
                         std::span<const std::uint8_t> record) noexcept;
// The same for opening: the plaintext goes where the ciphertext starts, or
// right after the header.
bool open_layout_allowed(const CipherSuite& suite, std::span<const std::uint8_t> record,
                         std::span<const std::uint8_t> plaintext) noexcept;

// Checks what a received record shows in the clear (header length and
// version, the suite's minimum size and block rule, the 2^14 + 2048 limit) and
// returns the most plaintext it can carry: exact for AEAD suites, an upper
// bound for CBC ones, whose padding is known only once authenticated.
// Throws Error(Fault::bad_data).
std::size_t open_capacity(const SessionKey& key, std::span<const std::uint8_t> record);

// Protects one fragment into `record` (at least sealed_size() bytes) and
// returns the record size. `plaintext` may overlap `record` only as
// seal_layout_allowed() says. Serialised per key.
std::size_t seal_record(SessionKey& key, std::uint64_t sequence, std::uint8_t type,
                        std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> record);

// Opens one record that open_capacity() accepted into `plaintext` (at least
// open_capacity() bytes) and returns the plaintext length. A bad tag, MAC or
// padding throws Error(Fault::decryption_failed), the same for all of
// them, and leaves `plaintext` untouched. Serialised per key.
std::size_t open_record(SessionKey& key, std::uint64_t sequence, std::span<const std::uint8_t> record,
                        std::span<std::uint8_t> plaintext);

// The host half of opening a CBC record, without branches or memory accesses
// that depend on the padding: exposed for its own tests.
struct CbcUnpadded {
  std::size_t plaintext_bytes;  // as if the padding were empty when it is bad
  std::uint64_t padding_good;   // all ones or zero
};
// `decrypted` = plaintext || MAC || padding || padding length (a multiple of
// the block, at least mac_bytes + 1 long). The MAC is copied to `mac`
// (mac_bytes long) from wherever the padding says it starts.
CbcUnpadded cbc_unpad(std::span<const std::uint8_t> decrypted, std::size_t mac_bytes, std::span<std::uint8_t> mac);

}  // namespace sslp11::core
