// The one place that knows each TLS cipher suite: its lengths, hashes and the
// token features it needs. Data, not switch statements.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "pkcs11/capabilities.h"
#include "pkcs11/ec_curves.h"

namespace sslp11::core {

enum class KeyExchange { rsa, ecdhe, dhe };
enum class Authentication { rsa, ecdsa };
enum class BulkCipher { aes_gcm, aes_cbc, chacha20_poly1305 };
enum class HashAlg { none, sha1, sha256, sha384 };

enum class DerivationPolicy { allow_composed, native_only };

struct CipherSuite {
  std::uint32_t id;  // IANA code point = dwCipherSuite
  std::string_view name;
  KeyExchange kx;
  Authentication auth;
  BulkCipher cipher;
  std::uint32_t key_bytes;        // write key
  std::uint32_t fixed_iv_bytes;   // implicit IV from the key block (GCM salt, ChaCha nonce); 0 for CBC in TLS >= 1.1
  std::uint32_t record_iv_bytes;  // explicit per-record IV / nonce
  std::uint32_t block_bytes;      // cipher block (16 for CBC, 1 for AEAD)
  std::uint32_t tag_bytes;        // AEAD tag
  HashAlg mac;                    // record MAC (none for AEAD)
  HashAlg prf;                    // TLS 1.2 PRF hash

  bool aead() const noexcept { return cipher != BulkCipher::aes_cbc; }
  std::uint32_t mac_bytes() const noexcept;
};

std::span<const CipherSuite> all_cipher_suites();
const CipherSuite* find_cipher_suite(std::uint32_t id);
const CipherSuite* find_cipher_suite(std::string_view name);

std::uint32_t hash_bytes(HashAlg h);
std::u16string_view hash_cng_name(HashAlg h);   // u"SHA256"
CK_MECHANISM_TYPE hash_mechanism(HashAlg h);      // CKM_SHA256
CK_MECHANISM_TYPE hmac_mechanism(HashAlg h);      // CKM_SHA256_HMAC
CK_MECHANISM_TYPE cipher_mechanism(BulkCipher c); // CKM_AES_GCM
CK_KEY_TYPE cipher_key_type(BulkCipher c);        // CKK_AES

// TLS 1.2's ProtocolVersion {3, 3} (RFC 5246 §6.2.1), as the record header
// carries it; the Ssl* API's protocol numbers are the same values.
inline constexpr std::uint32_t kTls12Version = 0x0303;

// Protocols this implementation runs the key schedule for.
bool protocol_supported(std::uint32_t protocol);

// Why a suite cannot be offered on a token, or nullopt when it can. The reason
// names the missing feature (operators see it in `doctor` and in errors).
std::optional<std::string> suite_unavailable_reason(const CipherSuite& s, const p11::Capabilities& caps,
                                                    DerivationPolicy policy);

// Named curves (IANA TLS supported-group id, RFC 8422 §5.1.1, RFC 8446 §4.2.7).
struct NamedCurve {
  std::uint32_t group;  // 23, 24, 25, 29
  std::u16string_view cng_name;
  std::string_view name;  // "P-256", "x25519" (for messages)
  std::string_view oid;
  std::span<const std::uint8_t> der_oid;  // CKA_EC_PARAMS
  std::uint32_t bits;
  std::uint32_t coordinate_bytes;  // also the length of the (EC)DH shared secret
  p11::EcForm form;

  bool montgomery() const noexcept { return form == p11::EcForm::montgomery; }
  // The TLS public value's length: 04||X||Y, or x25519's u-coordinate.
  std::size_t public_value_bytes() const noexcept { return montgomery() ? coordinate_bytes : 1 + 2 * coordinate_bytes; }
};
std::span<const NamedCurve> all_curves();
const NamedCurve* find_curve_by_group(std::uint32_t group);
const NamedCurve* find_curve_by_bits(std::uint32_t bits);
// Why the token cannot make and use keys on `c`, naming the missing
// mechanism, or nullopt when it can.
std::optional<std::string> curve_unavailable_reason(const NamedCurve& c, const p11::Capabilities& caps);
bool curve_supported(const NamedCurve& c, const p11::Capabilities& caps);
// The key-pair generator for `c` on this token: CKM_EC_KEY_PAIR_GEN, or for
// x25519 CKM_EC_MONTGOMERY_KEY_PAIR_GEN, else CKM_EC_EDWARDS_KEY_PAIR_GEN
// (SoftHSMv2 2.6 makes x25519 keys with it, from the id-X25519 CKA_EC_PARAMS).
CK_MECHANISM_TYPE key_pair_mechanism(const NamedCurve& c, const p11::Capabilities& caps);
// Why this token cannot finish ECDHE suite `s` on `curve`, or nullopt. On the
// composed path the (EC)DHE pre-master keys the PRF's HMAC, and a token may
// want longer HMAC keys than a small curve gives (SoftHSMv2: 48 bytes for
// HMAC-SHA384, so SHA-384 suites need P-384 or larger). Answered up front by
// SslLookupCipherSuiteInfo (dwKeyType = the curve) and SslCreateEphemeralKey.
std::optional<std::string> suite_curve_unavailable_reason(const CipherSuite& s, const NamedCurve& curve,
                                                          const p11::Capabilities& caps);

}  // namespace sslp11::core
