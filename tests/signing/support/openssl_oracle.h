// The oracle of the signing tests: OpenSSL's libcrypto only (EVP_PKEY
// sign/verify/verify_recover, ECDSA_SIG, X509). Nothing here calls sslp11.
// Every function throws std::runtime_error carrying OpenSSL's error queue when
// libcrypto fails for a reason other than "the signature does not verify".
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sslp11::signingtest {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

Bytes random_bytes(std::size_t n);
std::string hex(ByteView b);

struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A curve as OpenSSL names it, with the facts the tests need (written out
// here, not taken from sslp11's catalogue).
struct Curve {
  const char* name;        // "P-256"
  const char* group;       // OpenSSL group name, "prime256v1"
  Bytes der_oid;           // CKA_EC_PARAMS
  std::size_t coordinate_bytes;
  std::uint32_t ecdsa_magic;  // BCRYPT_ECDSA_PUBLIC_Pxxx_MAGIC
};
const Curve& p256();
const Curve& p384();

// ---- keys -----------------------------------------------------------------

Pkey rsa_generate(int bits);
Pkey ec_generate(const Curve& curve);
Pkey rsa_public_from(ByteView modulus, ByteView exponent);
Pkey ec_public_from_point(const Curve& curve, ByteView point);  // 04 || X || Y
Bytes rsa_modulus(const EVP_PKEY* key);
Bytes rsa_exponent(const EVP_PKEY* key);
Bytes ec_point(const EVP_PKEY* key);  // 04 || X || Y

// CNG public blobs for SslImportKey.
Bytes bcrypt_rsa_public_blob(const EVP_PKEY* key);
Bytes bcrypt_ecc_public_blob(const EVP_PKEY* key, const Curve& curve);

// A certificate for `subject`, issued by a throwaway P-256 key, and the
// fields a CKO_CERTIFICATE object carries.
struct Certificate {
  Bytes der, subject, issuer, serial;
};
Certificate make_certificate(EVP_PKEY* subject, const std::string& common_name);

// ---- hashes -----------------------------------------------------------------

// The TLS hashes by CNG name ("SHA256"); nullptr for an unknown one.
const EVP_MD* md_named(const std::string& cng_name);

// ---- verification (true = verifies) ---------------------------------------

// RSASSA-PKCS1-v1_5 with the DigestInfo of `md` around `digest`.
bool verify_pkcs1(EVP_PKEY* key, const EVP_MD* md, ByteView digest, ByteView signature);
// PKCS#1 v1.5 type 1 without DigestInfo: what the signature recovers to.
std::optional<Bytes> recover_pkcs1(EVP_PKEY* key, ByteView signature);
// RSASSA-PSS, MGF1 with `md`, the given salt length.
bool verify_pss(EVP_PKEY* key, const EVP_MD* md, ByteView digest, ByteView signature, int salt_length);
// ECDSA over `digest`, DER signature.
bool verify_ecdsa(EVP_PKEY* key, ByteView digest, ByteView der_signature);

// ---- signing with OpenSSL's own keys (for SslVerifySignature) -----------------

Bytes sign_pkcs1(EVP_PKEY* key, const EVP_MD* md, ByteView digest);
Bytes sign_pkcs1_raw(EVP_PKEY* key, ByteView value);
Bytes sign_pss(EVP_PKEY* key, const EVP_MD* md, ByteView digest, int salt_length);
Bytes sign_ecdsa(EVP_PKEY* key, ByteView digest);  // DER

// ---- ECDSA-Sig-Value through OpenSSL's ECDSA_SIG ------------------------------

// i2d_ECDSA_SIG of (r, s) given as big-endian magnitudes.
Bytes ecdsa_der(ByteView r, ByteView s);
// d2i_ECDSA_SIG, then r and s left-padded to `size`; nullopt when OpenSSL
// rejects the encoding or re-encodes it differently (not DER).
std::optional<Bytes> ecdsa_raw(ByteView der, std::size_t size);

}  // namespace sslp11::signingtest
