#include "pkcs11/ec_curves.h"

#include <algorithm>
#include <array>

#include "pkcs11/error.h"

namespace sslp11::p11 {

namespace {

// DER-encoded OIDs for CKA_EC_PARAMS.
constexpr std::array<std::uint8_t, 10> kP256Oid{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::array<std::uint8_t, 7> kP384Oid{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr std::array<std::uint8_t, 7> kP521Oid{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
constexpr std::array<std::uint8_t, 5> kX25519Oid{0x06, 0x03, 0x2b, 0x65, 0x6e};  // id-X25519 (RFC 8410)

// x25519 reports 255 bits (as CNG's curve25519 does), so a lookup by 256 bits
// still finds P-256 alone.
constexpr std::array<EcCurve, 4> kCurves{{
    {"P-256", "1.2.840.10045.3.1.7", kP256Oid, 256, 32},  // secp256r1
    {"P-384", "1.3.132.0.34", kP384Oid, 384, 48},         // secp384r1
    {"P-521", "1.3.132.0.35", kP521Oid, 521, 66},         // secp521r1
    {"x25519", "1.3.101.110", kX25519Oid, 255, 32, EcForm::montgomery},
}};

}  // namespace

std::span<const EcCurve> all_ec_curves() { return kCurves; }
const EcCurve& ec_curve_p256() { return kCurves[0]; }
const EcCurve& ec_curve_p384() { return kCurves[1]; }
const EcCurve& ec_curve_p521() { return kCurves[2]; }
const EcCurve& ec_curve_x25519() { return kCurves[3]; }

const EcCurve* find_ec_curve_by_bits(std::uint32_t bits) {
  for (const auto& c : kCurves)
    if (c.bits == bits) return &c;
  return nullptr;
}

const EcCurve* find_ec_curve_by_params(std::span<const std::uint8_t> der_oid) {
  for (const auto& c : kCurves)
    if (std::equal(c.der_oid.begin(), c.der_oid.end(), der_oid.begin(), der_oid.end())) return &c;
  return nullptr;
}

namespace {

// `attr` raw (`raw_len` bytes, starting with `lead` when that is not 0) or as
// a DER OCTET STRING of them. Hand-written: pkcs11/ links no OpenSSL, and this
// reads one OCTET STRING header of a token's CKA_EC_POINT, nothing more.
std::vector<std::uint8_t> unwrap_point(std::span<const std::uint8_t> attr, std::size_t raw_len, std::uint8_t lead) {
  using Bytes = std::vector<std::uint8_t>;
  const auto leads_right = [&](std::size_t at) { return lead == 0 || attr[at] == lead; };
  if (attr.size() == raw_len && leads_right(0)) return Bytes(attr.begin(), attr.end());
  // DER OCTET STRING: 04 len [len...] point
  if (attr.size() > 2 && attr[0] == 0x04) {
    std::size_t header = 2;
    std::size_t len = attr[1];
    if (len & 0x80) {
      const std::size_t n = len & 0x7f;
      if (n == 0 || n > 2 || attr.size() < 2 + n) throw LayerError(Fault::bad_argument, "malformed CKA_EC_POINT");
      len = 0;
      for (std::size_t i = 0; i < n; ++i) len = (len << 8) | attr[2 + i];
      header = 2 + n;
    }
    if (len == raw_len && attr.size() == header + len && leads_right(header)) {
      return Bytes(attr.begin() + static_cast<std::ptrdiff_t>(header), attr.end());
    }
  }
  throw LayerError(Fault::bad_argument, "the token returned an EC point sslp11 cannot decode");
}

}  // namespace

std::vector<std::uint8_t> decode_ec_point(std::span<const std::uint8_t> attr, std::size_t coordinate_bytes) {
  return unwrap_point(attr, 1 + 2 * coordinate_bytes, 0x04);
}

std::vector<std::uint8_t> decode_public_value(std::span<const std::uint8_t> attr, std::size_t coordinate_bytes,
                                              EcForm form) {
  if (form == EcForm::montgomery) return unwrap_point(attr, coordinate_bytes, 0);
  return decode_ec_point(attr, coordinate_bytes);
}

}  // namespace sslp11::p11
