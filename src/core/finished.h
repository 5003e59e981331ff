// SslComputeFinishedHash in the core: TLS 1.2 Finished verify_data (RFC 5246
// §7.4.9), PRF(master, "client finished" / "server finished",
// Hash(handshake messages)), computed on the token.
#pragma once

#include <cstdint>
#include <span>

#include "core/handshake_hash.h"
#include "core/keys.h"

namespace sslp11::core {

// Shortest and longest verify_data sslp11 computes. TLS 1.2 makes 12 the
// default and lets a suite ask for more; 64 is a generous ceiling.
inline constexpr std::size_t kMinVerifyData = 12;
inline constexpr std::size_t kMaxVerifyData = 64;

// Fills `verify_data` (its size is the verify_data length) for the Finished
// message that `sender` sends. `transcript` must use the master's PRF hash; it
// is left as it was, so the caller keeps hashing into it.
void compute_finished(const MasterKey& master, const HandshakeHash& transcript, Role sender,
                      std::span<std::uint8_t> verify_data);

}  // namespace sslp11::core
