// CNG public key blobs (bcrypt.h layouts) built and parsed as the peer's
// application would, independently of src/abi/key_blobs.cpp, so that a layout
// mistake there shows up as a mismatch.
#pragma once

#include "support/oracle/bytes.h"
#include "support/suite_facts.h"

namespace sslp11::oracle {

// BCRYPT_ECCPUBLIC_BLOB from an uncompressed point 04||X||Y: the ECDH magic
// (key exchange) or the ECDSA one (signature keys). Throws if the point is not
// one of `curve`.
Bytes ecc_public_blob(const CurveFacts& curve, ByteView point);
Bytes ecdsa_public_blob(const CurveFacts& curve, ByteView point);
// The point of an ECDH BCRYPT_ECCPUBLIC_BLOB; throws if the header is wrong.
Bytes ecc_point_from_blob(const CurveFacts& curve, ByteView blob);

// BCRYPT_DH_PARAMETERS (p, g) and BCRYPT_DH_PUBLIC_BLOB (p, g, y), each value
// left-padded to the prime length.
Bytes dh_parameters_blob(ByteView prime, ByteView generator);
Bytes dh_public_blob(ByteView prime, ByteView generator, ByteView y);
// y of a BCRYPT_DH_PUBLIC_BLOB; throws if p, g or the header differ.
Bytes dh_y_from_blob(ByteView prime, ByteView generator, ByteView blob);

// BCRYPT_RSAPUBLIC_BLOB: header, exponent, modulus.
Bytes rsa_public_blob(ByteView modulus, ByteView exponent);

}  // namespace sslp11::oracle
