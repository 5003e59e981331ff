// What the tests know about each TLS 1.2 cipher suite and curve, written down
// from the RFCs (5246, 5288, 5289, 7905, 8422) and the IANA registry rather
// than read from sslp11's catalogue, so that a wrong length in
// src/core/cipher_suites.cpp shows up as a mismatch instead of being copied
// into the oracle. The one table every test and the OpenSSL oracle use.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sslp11::oracle {

enum class Hash { none, sha1, sha256, sha384 };
enum class Exchange { ecdhe, dhe, rsa };
enum class Cipher { aes_gcm, aes_cbc, chacha20_poly1305 };

std::size_t hash_bytes(Hash h);  // 0 for Hash::none

struct SuiteFacts {
  std::uint32_t id;  // IANA code point
  std::string_view name;
  Exchange exchange;
  Cipher cipher;
  std::uint32_t key_bytes;       // write key
  std::uint32_t fixed_iv_bytes;  // from the key block: GCM salt 4, ChaCha nonce 12, CBC 0 (TLS >= 1.1)
  Hash mac;                      // record MAC; none for AEAD
  Hash prf;                      // TLS 1.2 PRF hash

  bool aead() const { return cipher != Cipher::aes_cbc; }
  std::size_t mac_bytes() const { return hash_bytes(mac); }
  // Per record: GCM's 8-byte explicit nonce, CBC's 16-byte IV, none for ChaCha20 (RFC 7905).
  std::size_t explicit_iv_bytes() const;
  // 2 * (MAC key + write key + fixed IV): the key block the key schedule splits (RFC 5246 §6.3).
  std::size_t key_block_bytes() const { return 2 * (mac_bytes() + key_bytes + fixed_iv_bytes); }
};

std::span<const SuiteFacts> all_suite_facts();
const SuiteFacts* find_suite_facts(std::uint32_t id);

// The TLS 1.3 suites (RFC 8446 §B.4), kept apart so the TLS 1.2 lists above
// stay what they are. In these rows `prf` is the HKDF and transcript hash,
// `fixed_iv_bytes` the 12-byte write IV (§5.3), `exchange` is meaningless
// (TLS 1.3 negotiates it apart; ecdhe is written) and `mac` is none.
std::span<const SuiteFacts> all_tls13_suite_facts();
const SuiteFacts* find_tls13_suite_facts(std::uint32_t id);

struct CurveFacts {
  std::uint32_t group;  // IANA named group = dwKeyType
  std::uint32_t bits;
  std::uint32_t coordinate_bytes;
  const char* openssl_name;              // "P-256" (an OpenSSL group name)
  std::uint32_t ecdh_magic;              // BCRYPT_ECDH_PUBLIC_Pxxx_MAGIC
  std::uint32_t ecdsa_magic;             // BCRYPT_ECDSA_PUBLIC_Pxxx_MAGIC
  std::span<const std::uint8_t> der_oid;  // CKA_EC_PARAMS: the namedCurve OID (RFC 5480 §2.1.1.1)
};

const CurveFacts& p256();
const CurveFacts& p384();
const CurveFacts& p521();

}  // namespace sslp11::oracle
