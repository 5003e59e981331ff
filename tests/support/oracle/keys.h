// The peer's keys by OpenSSL (EVP_PKEY): EC and finite-field DH key
// agreement, RSA key transport, and public keys rebuilt from their parts.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>

#include "support/oracle/bytes.h"
#include "support/suite_facts.h"

namespace sslp11::oracle {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// ---- EC ----

Pkey ec_generate(const CurveFacts& curve);
Bytes ec_public_point(const EVP_PKEY* key);  // 04 || X || Y
Pkey ec_public_from_point(const CurveFacts& curve, ByteView point);
// ECDH: the x coordinate, field-length bytes (leading zeros kept, RFC 8422 §5.10).
Bytes ecdh(EVP_PKEY* own, EVP_PKEY* peer);

// ---- Finite-field DH over explicit (p, g) ----

Pkey dh_generate(ByteView prime, ByteView generator);
Bytes dh_public_value(const EVP_PKEY* key, std::size_t length);  // Y left-padded to `length`
Pkey dh_public_from(ByteView prime, ByteView generator, ByteView y);
// g^xy mod p left-padded to the prime length (EVP_PKEY_CTX_set_dh_pad 1); the
// TLS pre-master is this with the leading zero bytes stripped (RFC 5246 §8.1.2).
Bytes dh_padded(EVP_PKEY* own, EVP_PKEY* peer);
Bytes strip_leading_zeros(ByteView z);
// The RFC 7919 group named "ffdhe2048" as OpenSSL knows it (generator 2).
Bytes openssl_ffdhe2048_prime();

// ---- RSA ----

Pkey rsa_generate(unsigned bits);
// A fixed RSA-2048 test key (generating one per test process is the slow part
// of an RSA-exchange test). Public knowledge: never use it for anything else.
Pkey rsa_test_key();
Pkey rsa_public_from(ByteView modulus, ByteView exponent);
Bytes rsa_modulus(const EVP_PKEY* key);
Bytes rsa_public_exponent(const EVP_PKEY* key);
Bytes rsa_encrypt_pkcs1(EVP_PKEY* key, ByteView plaintext);
Bytes rsa_encrypt_raw(EVP_PKEY* key, ByteView block);  // RSA_NO_PADDING, block = modulus size
// nullopt when the PKCS#1 v1.5 padding is wrong.
std::optional<Bytes> rsa_decrypt_pkcs1(EVP_PKEY* key, ByteView ciphertext);

}  // namespace sslp11::oracle
