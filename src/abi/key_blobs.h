// BCRYPT_*PUBLIC_BLOB and DH-parameter layouts <-> byte spans. Parsing checks
// every length against the buffer before reading (these bytes come from the
// peer, through the caller).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/cipher_suites.h"

namespace sslp11::abi {

struct EcPublic {
  const core::NamedCurve* curve;
  std::span<const std::uint8_t> x, y;  // x25519: x is the u-coordinate, y empty
};
struct DhPublic {
  std::span<const std::uint8_t> prime, generator, y;
};
struct RsaPublic {
  std::span<const std::uint8_t> exponent, modulus;
};
struct DhParameters {
  std::span<const std::uint8_t> prime, generator;
};

// Each throws ApiError(NTE_BAD_DATA) on a malformed blob.
EcPublic parse_ecc_public(std::span<const std::uint8_t> blob);
// SSL_ECCPUBLIC_BLOB: SSL_ECCKEY_BLOB{IANA group, cbKey} + the TLS public
// value (RFC 8446 §4.2.8.2: 04||X||Y for the NIST curves, the 32-byte
// u-coordinate for x25519).
EcPublic parse_ssl_ecc_public(std::span<const std::uint8_t> blob);
DhPublic parse_dh_public(std::span<const std::uint8_t> blob);
RsaPublic parse_rsa_public(std::span<const std::uint8_t> blob);
DhParameters parse_dh_parameters(std::span<const std::uint8_t> blob);

std::vector<std::uint8_t> ecc_public_blob(const core::NamedCurve& curve, std::span<const std::uint8_t> point);
std::vector<std::uint8_t> ssl_ecc_public_blob(const core::NamedCurve& curve, std::span<const std::uint8_t> value);
// An EC key's public value as `type` (BCRYPT_ECCPUBLIC_BLOB for the NIST
// curves, SSL_ECCPUBLIC_BLOB for all); throws ApiError(NTE_NOT_SUPPORTED)
// for any other type, naming the blob x25519 takes.
std::vector<std::uint8_t> ec_public_blob(const core::NamedCurve& curve, std::span<const std::uint8_t> value,
                                         std::u16string_view type);
std::vector<std::uint8_t> dh_public_blob(std::span<const std::uint8_t> prime, std::span<const std::uint8_t> generator,
                                         std::span<const std::uint8_t> y);
std::vector<std::uint8_t> rsa_public_blob(std::span<const std::uint8_t> modulus, std::span<const std::uint8_t> exponent);

}  // namespace sslp11::abi
