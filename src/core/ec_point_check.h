// Validation of a peer's EC public point at import (SEC 1 §3.2.2.1 partial
// validation): coordinates below the field prime, on the curve, not the
// point at infinity; for x25519 not a point of small order. A bad point is
// refused when it arrives (Fault::bad_data), not later by the token's ECDH
// derive.
#pragma once

#include <cstdint>
#include <span>

#include "core/cipher_suites.h"

namespace sslp11::core {

// True when (x, y), big-endian and curve.coordinate_bytes each, is a point of
// `curve` other than the point at infinity. Public data only.
bool ec_point_is_valid(const NamedCurve& curve, std::span<const std::uint8_t> x, std::span<const std::uint8_t> y);

// True when `u` (32 bytes, little-endian, RFC 7748 §5) is an x25519 public
// value whose shared secret with any private key is not all zeros. RFC 7748
// §6.1 asks to check the output; X25519(k, u) is zero exactly when u has
// small order (k is a multiple of the cofactor 8), and the u of every such
// point (with the unused top bit masked, as X25519 does) is one of seven
// values. Checking the public input instead of the shared secret means the
// secret is never read: on the native path it is a sensitive token object,
// and on the composed path this costs no extra read.
bool x25519_public_is_valid(std::span<const std::uint8_t> u);

}  // namespace sslp11::core
