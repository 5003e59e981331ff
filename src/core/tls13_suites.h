// The three TLS 1.3 cipher suites (RFC 8446 §B.4): the AEAD, the HKDF hash and
// the lengths the key schedule and the record layer need. A table of its own,
// not rows of core/cipher_suites.h: a TLS 1.3 suite names no key exchange and
// no authentication (both are negotiated apart), and all_cipher_suites() is
// the TLS 1.2 catalogue every existing caller offers under protocol 0x0303.
// The hash, cipher and mechanism vocabulary is cipher_suites.h's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/cipher_suites.h"
#include "pkcs11/capabilities.h"

namespace sslp11::core {

// TLS 1.3's version number (RFC 8446 §4.2.1) = the Ssl* API's dwProtocol.
inline constexpr std::uint32_t kTls13Version = 0x0304;

struct Tls13Suite {
  std::uint32_t id;  // IANA code point = dwCipherSuite
  std::string_view name;
  BulkCipher cipher;
  HashAlg hash;              // HKDF and transcript hash
  std::uint32_t key_bytes;   // write key
  std::uint32_t iv_bytes;    // write IV (RFC 8446 §5.3: 12 for every AEAD here)
  std::uint32_t tag_bytes;   // AEAD tag

  std::uint32_t hash_bytes() const noexcept { return core::hash_bytes(hash); }
};

std::span<const Tls13Suite> all_tls13_suites();
const Tls13Suite* find_tls13_suite(std::uint32_t id);
const Tls13Suite* find_tls13_suite(std::string_view name);  // IANA name

// The suite as the record layer and the transcript hash see it (a
// core::SessionKey's suite under protocol 0x0304): the AEAD and its lengths,
// a 12-byte IV mixed with the sequence number, no explicit nonce, and the
// HKDF hash in `prf`. Not a row of all_cipher_suites(), whose callers offer
// TLS 1.2; kx and auth mean nothing here.
const CipherSuite& tls13_record_suite(const Tls13Suite& s);

// Why the TLS 1.3 key schedule and records of `s` cannot run on this token,
// or nullopt when they can. The composed path (HMAC only) is refused under
// derivation = native-only, as for TLS 1.2.
std::optional<std::string> tls13_suite_unavailable_reason(const Tls13Suite& s, const p11::Capabilities& caps,
                                                          DerivationPolicy policy);

}  // namespace sslp11::core
