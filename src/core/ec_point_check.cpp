// OpenSSL's EC arithmetic checks the point: public values only, and a
// well-kept library rather than hand-written field arithmetic for three curves.
#include "core/ec_point_check.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <algorithm>
#include <array>
#include <memory>

#include "keyfile/openssl_handles.h"

namespace sslp11::core {

namespace {

using Group = keyfile::Owned<EC_GROUP, EC_GROUP_free>;

// The u-coordinates (little-endian, below 2^255) of the x25519 points of
// order 1, 2, 4 and 8 on the curve and its twist, and their encodings
// plus p: 0, 1, two points of order 8, p - 1, p, p + 1 (the list libsodium
// refuses; each makes X25519 output zero for every clamped scalar).
using U = std::array<std::uint8_t, 32>;
constexpr U kFF{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
constexpr U with_low_byte(std::uint8_t b) {
  U u = kFF;
  u[0] = b;
  return u;
}
constexpr std::array<U, 7> kSmallOrder{{
    U{},
    U{0x01},
    U{0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
      0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00},
    U{0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
      0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57},
    with_low_byte(0xec),  // p - 1
    with_low_byte(0xed),  // p
    with_low_byte(0xee),  // p + 1
}};

int nid_for_group(std::uint32_t group) {
  switch (group) {
    case 23: return NID_X9_62_prime256v1;
    case 24: return NID_secp384r1;
    case 25: return NID_secp521r1;
    default: return NID_undef;
  }
}

// Built once per curve (a group is read-only afterwards, so threads share it).
const EC_GROUP* group_for(const NamedCurve& curve) {
  static const Group p256(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  static const Group p384(EC_GROUP_new_by_curve_name(NID_secp384r1));
  static const Group p521(EC_GROUP_new_by_curve_name(NID_secp521r1));
  switch (nid_for_group(curve.group)) {
    case NID_X9_62_prime256v1: return p256.get();
    case NID_secp384r1: return p384.get();
    case NID_secp521r1: return p521.get();
    default: return nullptr;
  }
}

}  // namespace

bool ec_point_is_valid(const NamedCurve& curve, std::span<const std::uint8_t> x, std::span<const std::uint8_t> y) {
  const EC_GROUP* group = group_for(curve);
  if (group == nullptr || x.size() != curve.coordinate_bytes || y.size() != curve.coordinate_bytes) return false;
  keyfile::BnCtx ctx(BN_CTX_new());
  keyfile::Owned<BIGNUM, BN_free> bx(BN_bin2bn(x.data(), static_cast<int>(x.size()), nullptr));
  keyfile::Owned<BIGNUM, BN_free> by(BN_bin2bn(y.data(), static_cast<int>(y.size()), nullptr));
  keyfile::Owned<BIGNUM, BN_free> p(BN_new());
  keyfile::Owned<EC_POINT, EC_POINT_free> point(EC_POINT_new(group));
  if (!ctx || !bx || !by || !p || !point) return false;
  if (EC_GROUP_get_curve(group, p.get(), nullptr, nullptr, ctx.get()) != 1) return false;
  // Coordinates must be field elements: OpenSSL would reduce them mod p.
  if (BN_cmp(bx.get(), p.get()) >= 0 || BN_cmp(by.get(), p.get()) >= 0) return false;
  // (0, 0) is how a blob would spell infinity; it is not on these curves (b != 0).
  if (EC_POINT_set_affine_coordinates(group, point.get(), bx.get(), by.get(), ctx.get()) != 1) return false;
  return EC_POINT_is_at_infinity(group, point.get()) == 0 && EC_POINT_is_on_curve(group, point.get(), ctx.get()) == 1;
}

bool x25519_public_is_valid(std::span<const std::uint8_t> u) {
  if (u.size() != 32) return false;
  U masked;
  std::copy(u.begin(), u.end(), masked.begin());
  masked[31] &= 0x7f;
  return std::find(kSmallOrder.begin(), kSmallOrder.end(), masked) == kSmallOrder.end();
}

}  // namespace sslp11::core
