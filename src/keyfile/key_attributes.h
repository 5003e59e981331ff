// A key's parts (keyfile/key_parts.h) as the PKCS#11 attributes that carry
// them: the one place that says which CKA_* hold an RSA or EC key's values,
// for every caller that puts a key on a token (sslp11-admin import,
// Sslp11ImportPemKey).
#pragma once

#include "keyfile/key_parts.h"
#include "pkcs11/attributes.h"

namespace sslp11::keyfile {

// RSA: CKA_MODULUS, CKA_PUBLIC_EXPONENT. EC: CKA_EC_PARAMS, CKA_EC_POINT (the
// point as a DER OCTET STRING, PKCS#11 2.40 §2.3.3).
void add_public_values(p11::AttributeTemplate& t, const PublicParts& k);
// RSA: the public values, CKA_PRIVATE_EXPONENT, the primes, exponents and
// coefficient. EC: CKA_EC_PARAMS, CKA_VALUE (the private scalar).
void add_private_values(p11::AttributeTemplate& t, const PrivateParts& k);

}  // namespace sslp11::keyfile
