// What a PKCS#11 token stores of a key or certificate that OpenSSL has
// decoded: the RSA and EC key parts that become CKA_MODULUS ... CKA_VALUE,
// CKA_EC_PARAMS and CKA_EC_POINT, and a certificate's CKA_SUBJECT, CKA_ISSUER
// and CKA_SERIAL_NUMBER. One copy for the core's Sslp11ImportPemKey and
// sslp11-admin's import; private parts live in wiping buffers only.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "pkcs11/ec_curves.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::keyfile {

// A key or certificate these functions cannot take apart; the message names
// the field and OpenSSL's reason, never key bytes.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// OpenSSL's reason for the last failure on this thread ("no reason given"
// when it queued none), and the queue emptied.
std::string openssl_reason();

enum class KeyAlgorithm { rsa, ec };

struct PublicParts {
  KeyAlgorithm algorithm = KeyAlgorithm::rsa;
  std::uint32_t bits = 0;
  std::vector<std::uint8_t> modulus, public_exponent;  // RSA, big-endian magnitudes
  std::vector<std::uint8_t> ec_params;                 // EC: CKA_EC_PARAMS, the DER namedCurve OID
  const p11::EcCurve* curve = nullptr;                 // EC: the curve, or nullptr when not one sslp11 knows
  std::string group;                                   // EC: OpenSSL's name of the curve, for messages
  std::vector<std::uint8_t> point;                     // EC: uncompressed 04||X||Y
};

struct PrivateParts {
  PublicParts pub;
  // RSA (two primes); the public half is in `pub`.
  p11::SecureBytes private_exponent, prime1, prime2, exponent1, exponent2, coefficient;
  p11::SecureBytes ec_value;  // EC: the private scalar
};

// Throws Error for a key neither RSA nor EC, or one without named curve.
// Sets an EC key's point conversion form to uncompressed (what tokens take).
PublicParts public_parts(EVP_PKEY* key);
PrivateParts private_parts(EVP_PKEY* key);

// CKA_EC_POINT: the point inside a DER OCTET STRING (PKCS#11 2.40 §2.3.3).
std::vector<std::uint8_t> ec_point_attribute(std::span<const std::uint8_t> point);

struct CertificateFields {
  std::vector<std::uint8_t> der;            // CKA_VALUE
  std::vector<std::uint8_t> subject;        // CKA_SUBJECT, the DER Name
  std::vector<std::uint8_t> issuer;         // CKA_ISSUER
  std::vector<std::uint8_t> serial_number;  // CKA_SERIAL_NUMBER, the DER INTEGER
};
CertificateFields certificate_fields(X509* cert);

}  // namespace sslp11::keyfile
