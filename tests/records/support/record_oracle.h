// The oracle of the record tests: OpenSSL's libcrypto only (EVP_KDF
// "TLS1-PRF", EVP_Q_mac HMAC, EVP ciphers, EVP_PKEY key exchange). Nothing
// here calls sslp11, and the suite facts below are written from the RFCs and
// the IANA registry, not read from src/core. Failures throw
// std::runtime_error carrying OpenSSL's error queue.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sslp11::recordtest {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

enum class Hash { sha1, sha256, sha384 };
enum class Cipher { aes_gcm, aes_cbc, chacha20_poly1305 };
enum class Exchange { ecdhe, dhe, rsa };

// The record-layer facts of one TLS 1.2 suite.
struct SuiteFacts {
  std::uint32_t id;
  std::string_view name;
  Exchange exchange;
  Cipher cipher;
  std::size_t key_bytes;
  Hash mac;  // CBC record MAC; unused for AEAD suites
  Hash prf;

  bool aead() const { return cipher != Cipher::aes_cbc; }
  std::size_t mac_bytes() const;          // 0 for AEAD
  std::size_t fixed_iv_bytes() const;     // key-block IV: GCM salt 4, ChaCha 12, CBC 0 (TLS 1.2)
  std::size_t explicit_iv_bytes() const;  // GCM 8, CBC 16, ChaCha 0
};

std::span<const SuiteFacts> all_suites();
const SuiteFacts* find_suite(std::uint32_t id);
std::size_t hash_bytes(Hash h);

std::string hex(ByteView b);
Bytes random_bytes(std::size_t n);

// ---- TLS 1.2 key schedule (RFC 5246 §5, §6.3, §8.1) ----

Bytes tls12_prf(Hash h, ByteView secret, std::string_view label, ByteView seed, std::size_t length);
Bytes master_secret(const SuiteFacts& s, ByteView pre_master, ByteView client_random, ByteView server_random);

struct DirectionKeys {
  Bytes mac, key, iv;
};
struct KeyBlock {
  DirectionKeys client, server;
};
KeyBlock key_block(const SuiteFacts& s, ByteView master, ByteView client_random, ByteView server_random);

// ---- TLS 1.2 records with known keys ----

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

// ---- The peer's side of the key exchange ----

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// `curve` is OpenSSL's name: "P-256" or "P-384".
Pkey ec_generate(const char* curve);
Bytes ec_point(const EVP_PKEY* key);  // 04 | X | Y
Pkey ec_from_point(const char* curve, ByteView point);
Bytes ecdh(EVP_PKEY* own, EVP_PKEY* peer);  // the x coordinate

Pkey ffdhe2048_generate();
Bytes dh_prime(const EVP_PKEY* key);
Bytes dh_generator(const EVP_PKEY* key);
Bytes dh_public(const EVP_PKEY* key, std::size_t length);  // Y left-padded
Pkey dh_from_public(ByteView prime, ByteView generator, ByteView y);
Bytes dh_pre_master(EVP_PKEY* own, EVP_PKEY* peer);  // leading zeros stripped (RFC 5246 §8.1.2)

// A fixed RSA-2048 test key (generating one per test process is the slow part
// of an RSA-exchange test). Public knowledge: never use it for anything else.
Pkey rsa_test_key();
Bytes rsa_modulus(const EVP_PKEY* key);
Bytes rsa_exponent(const EVP_PKEY* key);
Bytes rsa_decrypt_pkcs1(EVP_PKEY* key, ByteView ciphertext);

}  // namespace sslp11::recordtest
