// Signatures with the token's keys (SslSignHash, SslVerifySignature). The
// token does the RSA / ECDSA arithmetic (CKM_RSA_PKCS, CKM_RSA_PKCS_PSS,
// CKM_ECDSA over a caller-computed digest); what sslp11 adds around it is
// public data only: the DigestInfo prefix, the PSS parameters and the DER form
// of ECDSA signatures. The private key stays a token object we never destroy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/keys.h"

namespace sslp11::core {

// A hash TLS signs with: TLS 1.2 SignatureAndHashAlgorithm, TLS 1.3 SignatureScheme.
struct SignatureHash {
  std::u16string_view cng_name;                // u"SHA256", as in the NCRYPT_SSL_SIGN_INCLUDE_HASHOID prefix
  std::size_t bytes;                           // digest length
  CK_MECHANISM_TYPE mechanism;                 // CKM_SHA256: the PSS hashAlg
  CK_RSA_PKCS_MGF_TYPE mgf;                    // CKG_MGF1_SHA256
  std::span<const std::uint8_t> digest_info;   // DER DigestInfo up to (not including) the digest bytes
};

std::span<const SignatureHash> all_signature_hashes();
// By CNG algorithm name (ASCII case-insensitive, as CNG compares them).
const SignatureHash* find_signature_hash(std::u16string_view cng_name);
// By digest length (PSS input carries no name).
const SignatureHash* find_signature_hash_by_length(std::size_t bytes);

enum class SignatureScheme {
  rsa_pkcs1_raw,  // no flag: PKCS#1 v1.5 over the value as given (TLS < 1.2: MD5||SHA-1)
  rsa_pkcs1,      // NCRYPT_SSL_SIGN_INCLUDE_HASHOID: PKCS#1 v1.5 over DigestInfo(hash)
  rsa_pss,        // NCRYPT_SSL_SIGN_USE_PSS_PADDING: RSASSA-PSS, MGF1 and salt from the hash
  ecdsa,          // an EC key (which takes no flag)
};

// What gets signed or verified. `digest` points into the caller's buffer.
struct SignatureInput {
  SignatureScheme scheme = SignatureScheme::rsa_pkcs1_raw;
  const SignatureHash* hash = nullptr;  // rsa_pkcs1 and rsa_pss
  std::span<const std::uint8_t> digest;
};

// Reads the caller's pbHashValue for `scheme`:
//  * rsa_pkcs1: NUL-terminated UTF-16 CNG hash name, then the digest; an
//    unknown name throws Error(Fault::not_supported), a missing terminator
//    or a digest of the wrong length Error(Fault::invalid_parameter);
//  * rsa_pss: the digest, whose length picks SHA-256/384/512 (else
//    Fault::invalid_parameter);
//  * ecdsa: the digest, 20 to 64 bytes (a TLS hash length);
//  * rsa_pkcs1_raw: any non-empty value (the key bounds it when signing).
SignatureInput read_signature_input(SignatureScheme scheme, std::span<const std::uint8_t> value);

// Throws Error(Fault::invalid_parameter) unless `key` can sign `input`:
// the scheme fits the key type, and the PKCS#1 or PSS encoding fits the
// modulus. Checked before the size query too, so both calls agree.
void require_signable(const PrivateKey& key, const SignatureInput& input);

// The largest signature `key` makes: the modulus length, or the DER
// ECDSA-Sig-Value with both integers at full length plus a sign byte.
// Throws Error(Fault::not_supported) for a curve sslp11 does not know.
std::size_t max_signature_bytes(const PrivateKey& key);

// Signs on the token. Returns the signature as TLS sends it (ECDSA in DER).
// The scheme must fit the key (Error(Fault::invalid_parameter) otherwise).
std::vector<std::uint8_t> sign_hash(const PrivateKey& key, const SignatureInput& input);

// Verifies on the token; a signature that does not verify throws
// Error(Fault::bad_signature). With a private key the token's public key
// object of the same CKA_ID does the work; an EC public key imported by
// SslImportKey gets a session object for the call, destroyed afterwards.
void verify_signature(const PublicKey& key, const SignatureInput& input, std::span<const std::uint8_t> signature);
void verify_signature(const PrivateKey& key, const SignatureInput& input, std::span<const std::uint8_t> signature);

// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279, SEC 1) and
// the raw r||s of PKCS#11 (each half the order's length).
std::vector<std::uint8_t> ecdsa_der_from_raw(std::span<const std::uint8_t> raw);
// nullopt unless `der` is exactly one DER SEQUENCE of two minimally encoded,
// non-negative INTEGERs that each fit in `coordinate_bytes`.
std::optional<std::vector<std::uint8_t>> ecdsa_raw_from_der(std::span<const std::uint8_t> der,
                                                            std::size_t coordinate_bytes);
std::size_t ecdsa_der_max_bytes(std::size_t coordinate_bytes);

}  // namespace sslp11::core
