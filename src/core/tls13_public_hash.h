// Hashes of public inputs to the TLS 1.3 schedule, computed on the host: the
// hash of the empty string (Derive-Secret(secret, label, "") for "derived",
// the binder keys and the exporter) and of an exporter's context value
// (RFC 8446 §7.5). Transcript hashes are the caller's (SslCreateHandshakeHash).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "core/cipher_suites.h"

namespace sslp11::core {

struct PublicDigest {
  std::array<std::uint8_t, 64> bytes{};
  std::size_t size = 0;
  std::span<const std::uint8_t> span() const noexcept { return {bytes.data(), size}; }
};

// Hash(data) with the suite's hash (SHA-256 or SHA-384). Throws core::Error.
PublicDigest public_digest(HashAlg hash, std::span<const std::uint8_t> data);

}  // namespace sslp11::core
