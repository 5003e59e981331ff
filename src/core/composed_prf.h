// The TLS 1.2 PRF (RFC 5246 §5) composed from a token's HMAC: the secret is a
// token object used as the HMAC key through C_SignInit/C_Sign, so it never
// leaves the token; the PRF output lands in the caller's wiped buffer.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "pkcs11/session_pool.h"

namespace sslp11::core {

// out = P_hash(secret, label || seed) truncated to out.size(). Makes
// 2*ceil(n/hash_len) HMAC calls (one C_SignInit + C_Sign each).
void composed_prf(const p11::Lease& lease, CK_MECHANISM_TYPE hmac, std::size_t hash_len, CK_OBJECT_HANDLE secret,
                  std::string_view label, std::span<const std::uint8_t> seed, std::span<std::uint8_t> out);

}  // namespace sslp11::core
