// What the key-schedule tests know about each TLS 1.2 cipher suite and curve,
// written down from the RFCs (5246, 5288, 5289, 7905, 8422) rather than read
// from sslp11's catalogue, so that a wrong length in src/core/cipher_suites.cpp
// shows up as a mismatch instead of being copied into the oracle.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sslp11::coretest {

enum class Hash { none, sha1, sha256, sha384 };
enum class Exchange { ecdhe, dhe, rsa };
enum class Cipher { aes_gcm, aes_cbc, chacha20_poly1305 };

struct SuiteFacts {
  std::uint32_t id;  // IANA code point
  std::string_view name;
  Exchange exchange;
  Cipher cipher;
  std::uint32_t key_bytes;       // write key
  std::uint32_t fixed_iv_bytes;  // from the key block: GCM salt 4, ChaCha nonce 12, CBC 0 (TLS >= 1.1)
  Hash mac;                      // record MAC; none for AEAD
  Hash prf;                      // TLS 1.2 PRF hash
};

std::span<const SuiteFacts> all_suite_facts();
const SuiteFacts* find_suite_facts(std::uint32_t id);

std::size_t hash_bytes(Hash h);
const char* openssl_digest_name(Hash h);  // "SHA256"

struct CurveFacts {
  std::uint32_t group;  // IANA named group = dwKeyType
  std::uint32_t bits;
  std::uint32_t coordinate_bytes;
  const char* openssl_name;  // "P-256"
  std::uint32_t ecdh_magic;  // BCRYPT_ECDH_PUBLIC_Pxxx_MAGIC
};

const CurveFacts& p256();
const CurveFacts& p384();
const CurveFacts& p521();

}  // namespace sslp11::coretest
