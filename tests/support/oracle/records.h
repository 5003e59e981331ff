// TLS 1.2 records protected and opened the way the peer would, with known
// keys: RFC 5246 §6.2.3 (CBC, MAC-then-encrypt), RFC 5288 (GCM), RFC 7905
// (ChaCha20-Poly1305).
#pragma once

#include <cstdint>
#include <optional>

#include "support/oracle/bytes.h"
#include "support/oracle/tls_prf.h"
#include "support/suite_facts.h"

namespace sslp11::oracle {

constexpr std::size_t kHeaderBytes = 5;

// type | 03 03 | length
Bytes record_header(std::uint8_t type, std::size_t body_bytes);
// The size RFC 5246/5288/7905 give for a record carrying `plaintext` bytes
// with minimal padding.
std::size_t expected_record_size(const SuiteFacts& s, std::size_t plaintext);

// A complete record. GCM uses the sequence number as explicit nonce; CBC a
// random IV and minimal padding.
Bytes seal(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, std::uint8_t type, ByteView plaintext);
// The plaintext, or nullopt when framing, tag, MAC or padding is wrong.
std::optional<Bytes> open(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, ByteView record);

// CBC pieces for crafting records: the record MAC, and a record around an
// arbitrary body (plaintext | MAC | padding, whole blocks) under `iv`.
Bytes cbc_mac(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, std::uint8_t type, ByteView plaintext);
Bytes cbc_record(const SuiteFacts& s, const DirectionKeys& k, std::uint8_t type, ByteView iv, ByteView body);
// A valid CBC record with `padding_bytes` (1..256, length byte included) of padding.
Bytes seal_cbc_padded(const SuiteFacts& s, const DirectionKeys& k, std::uint64_t seq, std::uint8_t type,
                      ByteView plaintext, std::size_t padding_bytes);

}  // namespace sslp11::oracle
