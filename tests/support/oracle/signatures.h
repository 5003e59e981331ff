// Signatures by OpenSSL (EVP_PKEY sign / verify / verify_recover, ECDSA_SIG):
// checking what the token signed, and signing for SslVerifySignature.
#pragma once

#include <openssl/evp.h>

#include <optional>
#include <string>

#include "support/oracle/bytes.h"

namespace sslp11::oracle {

// The TLS hashes by CNG name ("SHA256"); nullptr for an unknown one.
const EVP_MD* md_named(const std::string& cng_name);

// ---- verification (true = verifies) ----

// RSASSA-PKCS1-v1_5 with the DigestInfo of `md` around `digest`.
bool verify_pkcs1(EVP_PKEY* key, const EVP_MD* md, ByteView digest, ByteView signature);
// PKCS#1 v1.5 type 1 without DigestInfo: what the signature recovers to.
std::optional<Bytes> recover_pkcs1(EVP_PKEY* key, ByteView signature);
// RSASSA-PSS, MGF1 with `md`, the given salt length.
bool verify_pss(EVP_PKEY* key, const EVP_MD* md, ByteView digest, ByteView signature, int salt_length);
// ECDSA over `digest`, DER signature.
bool verify_ecdsa(EVP_PKEY* key, ByteView digest, ByteView der_signature);

// ---- signing with OpenSSL's own keys ----

Bytes sign_pkcs1(EVP_PKEY* key, const EVP_MD* md, ByteView digest);
Bytes sign_pkcs1_raw(EVP_PKEY* key, ByteView value);
Bytes sign_pss(EVP_PKEY* key, const EVP_MD* md, ByteView digest, int salt_length);
Bytes sign_ecdsa(EVP_PKEY* key, ByteView digest);  // DER

// ---- ECDSA-Sig-Value through OpenSSL's ECDSA_SIG ----

// i2d_ECDSA_SIG of (r, s) given as big-endian magnitudes.
Bytes ecdsa_der(ByteView r, ByteView s);
// d2i_ECDSA_SIG, then r and s left-padded to `size`; nullopt when OpenSSL
// rejects the encoding or re-encodes it differently (not DER).
std::optional<Bytes> ecdsa_raw(ByteView der, std::size_t size);

}  // namespace sslp11::oracle
