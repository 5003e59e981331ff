// Validation of a peer's EC public point at import (SEC 1 §3.2.2.1 partial
// validation): coordinates below the field prime, on the curve, not the
// point at infinity. A bad point is refused when it arrives (Fault::bad_data),
// not later by the token's ECDH derive.
#pragma once

#include <cstdint>
#include <span>

#include "core/cipher_suites.h"

namespace sslp11::core {

// True when (x, y), big-endian and curve.coordinate_bytes each, is a point of
// `curve` other than the point at infinity. Public data only.
bool ec_point_is_valid(const NamedCurve& curve, std::span<const std::uint8_t> x, std::span<const std::uint8_t> y);

}  // namespace sslp11::core
