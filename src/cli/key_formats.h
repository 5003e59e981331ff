// The key and certificate files `sslp11-admin import` reads and the PEM that
// `export` writes, decoded and encoded by OpenSSL (PEM_read_bio_ex,
// OSSL_DECODER, d2i_X509, PEM_write_bio_*); what PKCS#11 stores of them comes
// from keyfile/key_parts.h, the copy the core's PEM import uses too.
//   private keys: PKCS#8 PrivateKeyInfo, PKCS#1 RSAPrivateKey, SEC1
//     ECPrivateKey, PEM or DER, unencrypted; RSA (>= 1024 bits) or EC on
//     P-256, P-384, P-521; OpenSSL's key check must accept them;
//   certificates: X.509, DER or PEM (the first CERTIFICATE of a chain).
// Every buffer that holds private-key bytes wipes itself.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "keyfile/key_parts.h"

namespace sslp11::cli {

// The file's content is not a key or certificate sslp11-admin takes (the
// operator's input: exit 2). The message says why, never key bytes.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using keyfile::KeyAlgorithm;
using PublicKey = keyfile::PublicParts;

struct PrivateKey {
  std::string format;  // "PKCS#8", "PKCS#1" or "SEC1", for messages
  keyfile::PrivateParts parts;
  KeyAlgorithm algorithm() const noexcept { return parts.pub.algorithm; }
  const PublicKey& public_key() const noexcept { return parts.pub; }
  std::uint32_t bits() const noexcept { return parts.pub.bits; }
};

struct Certificate {
  std::vector<std::uint8_t> der;            // the whole certificate (CKA_VALUE)
  std::vector<std::uint8_t> serial_number;  // the INTEGER element (CKA_SERIAL_NUMBER)
  std::vector<std::uint8_t> issuer;         // Name element (CKA_ISSUER)
  std::vector<std::uint8_t> subject;        // Name element (CKA_SUBJECT)
  PublicKey public_key;
  std::size_t chain_rest = 0;  // certificates after the first in a PEM chain (not imported)
};

// A whole key file's contents, PEM (the first private-key block) or DER.
// Throws FormatError, with a hint for an encrypted key.
PrivateKey parse_private_key(std::span<const std::uint8_t> contents);
// A whole certificate file's contents, PEM or DER. Throws FormatError.
Certificate parse_certificate(std::span<const std::uint8_t> contents);

// True when the public halves are the same key (RSA modulus and exponent, or
// EC curve and point).
bool same_key(const PrivateKey& priv, const PublicKey& pub);

// `der` in a PEM block with this label ("CERTIFICATE"), as OpenSSL writes it.
std::string pem_block(std::string_view label, std::span<const std::uint8_t> der);
// An RSA or EC (P-256, P-384, P-521) public key as PEM "PUBLIC KEY"
// (SubjectPublicKeyInfo), as OpenSSL writes it. Throws FormatError.
std::string public_key_pem(const PublicKey& key);

}  // namespace sslp11::cli
