// The key and certificate formats `sslp11-admin import` reads and `export`
// writes, on top of der.h:
//   PKCS#8 PrivateKeyInfo (RFC 5208/5958) with rsaEncryption or
//     id-ecPublicKey + namedCurve;
//   PKCS#1 RSAPrivateKey (RFC 8017, two primes);
//   SEC1 ECPrivateKey (RFC 5915);
//   X.509 Certificate (RFC 5280): the fields PKCS#11 stores beside the DER
//     (subject, issuer, serial number) and the subject public key;
//   SubjectPublicKeyInfo, written for `export` of a public key.
// Results are views into the caller's buffer: nothing secret is copied.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cli/der.h"
#include "pkcs11/ec_curves.h"

namespace sslp11::cli {

enum class KeyAlgorithm { rsa, ec };

struct RsaPrivateKey {
  der::Bytes modulus, public_exponent, private_exponent, prime1, prime2, exponent1, exponent2, coefficient;
};

struct EcPrivateKey {
  const p11::EcCurve* curve = nullptr;
  der::Bytes private_value;                  // the scalar, big-endian, as written
  std::optional<der::Bytes> public_point;    // uncompressed 04||X||Y when the file carries it
};

struct PrivateKey {
  KeyAlgorithm algorithm = KeyAlgorithm::rsa;
  std::string format;  // "PKCS#8", "PKCS#1" or "SEC1", for messages
  RsaPrivateKey rsa;
  EcPrivateKey ec;
  std::uint32_t bits() const noexcept;
};

struct PublicKey {
  KeyAlgorithm algorithm = KeyAlgorithm::rsa;
  der::Bytes modulus, public_exponent;     // RSA
  const p11::EcCurve* curve = nullptr; // EC
  der::Bytes point;                        // EC, uncompressed 04||X||Y
  std::uint32_t bits() const noexcept;
};

struct Certificate {
  der::Bytes der;            // the whole certificate (CKA_VALUE)
  der::Bytes serial_number;  // the INTEGER element, tag and length included (CKA_SERIAL_NUMBER)
  der::Bytes issuer;         // Name element (CKA_ISSUER)
  der::Bytes subject;        // Name element (CKA_SUBJECT)
  PublicKey public_key;
};

// DER of a private key in any of the three forms (told apart by structure).
// Throws der::Error; an encrypted PKCS#8 key is refused with a hint.
PrivateKey parse_private_key(der::Bytes der);
Certificate parse_certificate(der::Bytes der);

// The curve whose CKA_EC_PARAMS (a DER OID) this is, or nullptr.
const p11::EcCurve* curve_from_params(der::Bytes params);

// SubjectPublicKeyInfo for `export` (PEM label "PUBLIC KEY").
std::vector<std::uint8_t> encode_subject_public_key_info(const PublicKey& key);

// True when the public halves are the same key (RSA modulus and exponent, or
// EC curve and point). nullopt when it cannot be told (EC key without point).
std::optional<bool> same_key(const PrivateKey& priv, const PublicKey& pub);

}  // namespace sslp11::cli
