// The (EC)DH and RSA steps both roles share, each through the Ssl* API:
// ephemeral keys on the token (SslCreateEphemeralKey / SslExportKey), the
// peer's public value (SslImportKey), and the CNG blob layouts (§3.7) that
// carry TLS public values in and out.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls/bytes.h"
#include "tls/messages.h"
#include "tls/provider.h"

namespace sslp11::tls {

// ECDHE: coordinate bytes of a named group (32, 48, 66; x25519 32); 0 when unknown.
std::size_t coordinate_bytes(std::uint16_t group);
// The blob a group's public value travels in through SslImportKey /
// SslExportKey: BCRYPT_ECCPUBLIC_BLOB for the NIST curves, SSL_ECCPUBLIC_BLOB
// (the 32-byte u-coordinate) for x25519, which has no Y for CNG's blob.
LPCWSTR ecc_blob_type(std::uint16_t group);

// TLS 1.3 key-share groups: the token's curves (SslEnumEccCurves), in the
// order of `wanted` when it is not empty. A wanted group the token lacks is
// logged ("-- not <verb> GROUP for TLS 1.3: ...") and left out.
std::vector<std::uint16_t> tls13_key_share_groups(const Provider& provider, const std::vector<std::uint16_t>& wanted,
                                                  std::ostream& log, std::string_view verb);

// The ecc_blob_type(group) blob of a TLS public value: BCRYPT_ECCPUBLIC_BLOB
// (ECDH magic) from an uncompressed point 04||X||Y, or SSL_ECCPUBLIC_BLOB
// from x25519's 32 bytes. Throws TlsFailure(illegal_parameter) for a value of
// the wrong form or size.
Bytes ecc_public_blob(std::uint16_t group, ByteView point);
Bytes dh_parameters_blob(ByteView p, ByteView g);
// BCRYPT_DH_PUBLIC_BLOB: p, g and y, each left-padded to the length of p.
Bytes dh_public_blob(ByteView p, ByteView g, ByteView y);

// Our ephemeral key for one handshake, on the token.
struct Ephemeral {
  SslObject key;
  Bytes public_value;  // ECDHE: 04||X||Y (x25519: u); DHE: Y, as long as p
};
// `protocol`: TLS1_2_PROTOCOL_VERSION, or TLS1_3_PROTOCOL_VERSION for a key share of a TLS 1.3 suite.
Ephemeral create_ecdhe(const Provider& provider, std::uint32_t suite, std::uint16_t group,
                       DWORD protocol = TLS1_2_PROTOCOL_VERSION);
Ephemeral create_dhe(const Provider& provider, std::uint32_t suite, ByteView p, ByteView g);

// The peer's public key; a value the provider refuses is the peer's fault:
// TlsFailure(illegal_parameter).
SslObject import_peer_key(const Provider& provider, LPCWSTR blob_type, Bytes blob, const std::string& what);

// {CLIENT_RANDOM, SERVER_RANDOM}, plus HIGHEST_VERSION for RSA key exchange;
// with EMS {SESSION_HASH, HIGHEST_VERSION} (reference §3.6).
ParameterList master_parameters(const Random& client_random, const Random& server_random, bool ems,
                                ByteView session_hash, std::optional<std::uint16_t> highest_version);
ParameterList randoms(const Random& client_random, const Random& server_random);

}  // namespace sslp11::tls
