// X.509 certificates by OpenSSL for keys the tests put on a token.
#pragma once

#include <openssl/evp.h>

#include <string>

#include "support/oracle/bytes.h"

namespace sslp11::oracle {

// A DER X.509 v3 certificate for `subject` (its public key), issued by a
// throwaway P-256 key, and the DER fields a CKO_CERTIFICATE object repeats
// (CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER; NSS softoken requires all three).
struct Certificate {
  Bytes der, subject, issuer, serial;
};
Certificate make_certificate(EVP_PKEY* subject, const std::string& common_name);

}  // namespace sslp11::oracle
