// The oracle of the key-schedule tests: OpenSSL's libcrypto only (EVP_KDF
// "TLS1-PRF", EVP_MAC HMAC, EVP ciphers, EVP_PKEY derive/encrypt). Nothing
// here calls sslp11. Every function throws std::runtime_error carrying
// OpenSSL's error queue when libcrypto fails.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/support/suite_facts.h"

namespace sslp11::coretest {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

std::string hex(ByteView b);
Bytes from_hex(std::string_view hex);
Bytes concat(ByteView a, ByteView b);
Bytes random_bytes(std::size_t n);  // RAND_bytes

// ---- TLS 1.2 PRF and the key schedule (RFC 5246 §5, §6.3, §8.1; RFC 7627) ----

// P_hash(secret, label || seed), `length` bytes.
Bytes tls12_prf(Hash h, ByteView secret, std::string_view label, ByteView seed, std::size_t length);

// PRF(pms, "master secret", client_random || server_random), or with a session
// hash PRF(pms, "extended master secret", session_hash). 48 bytes.
Bytes master_secret(const SuiteFacts& suite, ByteView pms, ByteView client_random, ByteView server_random,
                    const std::optional<Bytes>& session_hash);

struct DirectionKeys {
  Bytes mac, key, iv;
};
struct ExpectedKeys {
  DirectionKeys client, server;
};
// key_block = PRF(master, "key expansion", server_random || client_random),
// split client MAC, server MAC, client key, server key, client IV, server IV.
ExpectedKeys expected_keys(const SuiteFacts& suite, ByteView master, ByteView client_random, ByteView server_random);

// ---- Primitives used to recognise a token key by what it computes ----

Bytes hmac(Hash h, ByteView key, ByteView data);
Bytes aes_gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext);  // ciphertext || 16-byte tag
Bytes aes_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);             // whole blocks, no padding
Bytes chacha20_poly1305_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);

// ---- Keys ----

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey ec_generate(const CurveFacts& curve);
Bytes ec_public_point(const EVP_PKEY* key);  // 04 || X || Y
Pkey ec_public_from_point(const CurveFacts& curve, ByteView point);
// ECDH: the x coordinate, field-length bytes (leading zeros kept, RFC 8422 §5.10).
Bytes ecdh(EVP_PKEY* own, EVP_PKEY* peer);

// Finite-field DH over explicit (p, g).
Pkey dh_generate(ByteView prime, ByteView generator);
Bytes dh_public_value(const EVP_PKEY* key, std::size_t length);  // Y left-padded to `length`
Pkey dh_public_from(ByteView prime, ByteView generator, ByteView y);
// g^xy mod p left-padded to the prime length (EVP_PKEY_CTX_set_dh_pad 1); the
// TLS pre-master is this with the leading zero bytes stripped (RFC 5246 §8.1.2).
Bytes dh_padded(EVP_PKEY* own, EVP_PKEY* peer);
Bytes strip_leading_zeros(ByteView z);
// The RFC 7919 group named "ffdhe2048" as OpenSSL knows it (to cross-check a
// hard-coded copy).
Bytes openssl_ffdhe2048_prime();

Pkey rsa_generate(unsigned bits);
Pkey rsa_public_from(ByteView modulus, ByteView exponent);
Bytes rsa_modulus(const EVP_PKEY* key);
Bytes rsa_public_exponent(const EVP_PKEY* key);
Bytes rsa_encrypt_pkcs1(EVP_PKEY* key, ByteView plaintext);
Bytes rsa_encrypt_raw(EVP_PKEY* key, ByteView block);  // RSA_NO_PADDING, block = modulus size
std::optional<Bytes> rsa_decrypt_pkcs1(EVP_PKEY* key, ByteView ciphertext);

// A DER X.509 v3 certificate for `subject` (public key), signed by a throwaway
// P-256 key of its own.
Bytes certificate_der(EVP_PKEY* subject, const std::string& common_name);
// The DER fields a certificate token object repeats (CKA_SUBJECT, CKA_ISSUER,
// CKA_SERIAL_NUMBER; NSS softoken requires all three).
struct CertificateFields {
  Bytes subject, issuer, serial;
};
CertificateFields certificate_fields(ByteView certificate);

}  // namespace sslp11::coretest
