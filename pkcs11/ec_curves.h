// The PKCS#11 facts of the EC curves sslp11 supports: the DER OID a token
// takes as CKA_EC_PARAMS, the key size, and the encoding of CKA_EC_POINT.
// One copy, shared by the provider core (ECDHE, signatures) and
// sslp11-admin (keygen, import, export).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sslp11::p11 {

// Short Weierstrass curves (the NIST ones: CKK_EC, public value 04||X||Y) or
// Montgomery curves (RFC 7748 x25519: made by CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
// or by SoftHSMv2 2.6's CKM_EC_EDWARDS_KEY_PAIR_GEN; public value the
// u-coordinate).
enum class EcForm { weierstrass, montgomery };

struct EcCurve {
  std::string_view name;                  // "P-256"
  std::string_view oid;                   // "1.2.840.10045.3.1.7"
  std::span<const std::uint8_t> der_oid;  // CKA_EC_PARAMS: the namedCurve OID, DER-encoded
  std::uint32_t bits;                     // 256, 384, 521 (what modules report as key size)
  std::uint32_t coordinate_bytes;         // 32, 48, 66; x25519: 32 (and its shared secret's length)
  EcForm form = EcForm::weierstrass;
};

// P-256, P-384, P-521 (secp256r1, secp384r1, secp521r1), then x25519.
std::span<const EcCurve> all_ec_curves();
const EcCurve& ec_curve_p256();
const EcCurve& ec_curve_p384();
const EcCurve& ec_curve_p521();
const EcCurve& ec_curve_x25519();
const EcCurve* find_ec_curve_by_bits(std::uint32_t bits);
// The curve whose CKA_EC_PARAMS these are, or nullptr.
const EcCurve* find_ec_curve_by_params(std::span<const std::uint8_t> der_oid);

// The uncompressed point 04||X||Y from CKA_EC_POINT, which tokens give
// either raw or (as PKCS#11 says) wrapped in a DER OCTET STRING. Throws
// LayerError(Fault::bad_argument) for anything else.
std::vector<std::uint8_t> decode_ec_point(std::span<const std::uint8_t> attr, std::size_t coordinate_bytes);
// The public value of `curve` from CKA_EC_POINT: 04||X||Y for a Weierstrass
// curve, the u-coordinate (coordinate_bytes) for a Montgomery one, either
// raw or in a DER OCTET STRING. Throws as decode_ec_point.
std::vector<std::uint8_t> decode_public_value(std::span<const std::uint8_t> attr, std::size_t coordinate_bytes,
                                              EcForm form);

}  // namespace sslp11::p11
