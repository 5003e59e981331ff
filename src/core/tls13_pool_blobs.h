// Cross-member TLS 1.3 resumption: a resumption PSK (what a NewSessionTicket
// stands for, SslExpandPreSharedKey) as a version-2 pool blob of kind 2, so
// that a ticket issued on one member resumes on any member of the pool. The
// layout, the pool key, the tag and the checks are the family's
// (core/pool_blobs.h); this file is what is TLS 1.3 about it:
//   flags 0, protocol 0x0304, the suite the PSK was made under (its hash
//   gives the PSK's length: 32 bytes wrapped into 40, 48 into 56, so a blob
//   is 100 or 116 bytes).
// The PSK travels rather than the resumption master: it is one ticket's
// secret (another ticket's nonce gives another PSK), and it is what
// SslExtractEarlyKey takes on the resuming member.
//
// Only a PSK made in a pool whose every member had the pool key when it
// opened is extractable (Tls13Secret::wrappable); an imported PSK is not
// (on the composed path every PSK is readable anyway: HKDF-Extract takes it
// as the HMAC message, docs/security.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/keys.h"
#include "core/tls13_schedule.h"

namespace sslp11::core::pool_blobs {

// The size of the blob of a PSK of `suite`.
std::size_t psk_blob_bytes(const Tls13Suite& suite);

// The blob of a wrappable PSK, on its own member `token`. Error(Fault::
// internal) for any other secret, Fault::bad_key_state when it is lost,
// p11::Error from the token.
std::vector<std::uint8_t> export_psk(TokenContext& token, const Tls13Secret& psk);

// A new PSK on provider.token() (the member the caller placed it on), for
// `schedule` (that member's) from a kind-2 blob. Error(Fault::bad_data) for
// a blob of the wrong size, altered in any byte, wrapped under another pool
// key or of a suite this pool does not offer; Error(Fault::not_supported)
// when the member has no pool key.
Tls13Secret import_psk(const Provider& provider, const Tls13Schedule& schedule, std::span<const std::uint8_t> blob);

}  // namespace sslp11::core::pool_blobs
