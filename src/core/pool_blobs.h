// Cross-member resumption: an opaque blob that imports on any member of a
// pool, because it carries the secret itself, wrapped by the token under the
// pool key - an AES-256 key with one fixed label present on every member
// (docs/security.md, "Pool key"). Two kinds of secret travel this way: a
// TLS 1.2 master (here) and a TLS 1.3 resumption PSK (core/tls13_pool_blobs.h).
//
// Blob layout (version 2 of the "SPOB" family, integers little-endian):
//    0  magic "SPOB"                           4  version (u16) = 2
//    6  kind (u8): 1 master key, 2 TLS 1.3     7  flags (u8), by kind: master:
//       resumption PSK                            bit 0 server role, bit 1
//                                                 extended master secret; PSK: 0
//    8  protocol (u32)                         12  cipher suite (u32)
//   16  pool key check value (8 bytes)         24  wrapped length (u16)
//   26  reserved (u16) = 0                     28  the secret, C_WrapKey with
//       CKM_AES_KEY_WRAP_PAD (RFC 5649) under the pool key: 56 bytes for a
//       48-byte master or SHA-384 PSK, 40 for a 32-byte (SHA-256) PSK
//   28+w  HMAC-SHA256 of bytes 0..27+w (32 bytes)
// The tag key is derived on the token from the pool key
// (p11::pool_key::TagKey, pkcs11/pool_key.h: a sensitive session object
// destroyed after the call), so the pool key is the one secret the ceremony
// (sslp11-admin pool-key) puts on every member; the check value (same
// header) names the pool key without being usable to forge anything.
// Import checks, in this order: size, magic, version, kind, the kind's header
// fields; check value (another pool key: refused before any unwrap); tag
// (computed again on the token, compared in constant time); then C_UnwrapKey
// into a sensitive, non-extractable secret on the importing member. A
// refused blob leaves no object behind.
//
// Only secrets made in a pool whose every member had the pool key when it
// opened are extractable (TokenPool::masters_wrappable); all other masters,
// and every session key, keep the version-1 reference blob
// (core/opaque_blobs.h) unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/keys.h"
#include "pkcs11/attributes.h"
#include "pkcs11/object.h"
#include "pkcs11/pool_key.h"

namespace sslp11::core {

class TokenContext;

namespace pool_blobs {

inline constexpr std::string_view kPoolKeyLabel = p11::pool_key::kLabel;
inline constexpr std::size_t kHeaderBytes = 28;
inline constexpr std::size_t kTagBytes = p11::pool_key::kTagBytes;
inline constexpr std::size_t kCheckValueBytes = p11::pool_key::kCheckValueBytes;
// CKM_AES_KEY_WRAP_PAD's output for a secret of `secret_bytes` (RFC 5649:
// padded to 8 bytes, plus the 8-byte integrity block).
constexpr std::size_t wrapped_bytes(std::size_t secret_bytes) { return (secret_bytes + 7) / 8 * 8 + 8; }
constexpr std::size_t blob_bytes(std::size_t secret_bytes) {
  return kHeaderBytes + wrapped_bytes(secret_bytes) + kTagBytes;
}
inline constexpr std::size_t kBlobBytes = blob_bytes(48);  // a master's

// The pool key on `token` (a token object labelled kPoolKeyLabel, CKK_AES),
// or nothing when it has none. Throws p11::Error when the token cannot be asked.
std::optional<CK_OBJECT_HANDLE> find_pool_key(TokenContext& token);

// Every member holds a pool key (a member that cannot be asked counts as
// lacking it: its masters would not be wrappable there).
bool pool_key_on_every_member(const std::vector<std::shared_ptr<TokenContext>>& members);

// The pool key's check value, computed on `token` (equal on two members
// exactly when they hold the same pool key).
std::vector<std::uint8_t> check_value(TokenContext& token);

// Version-2 blobs: a blob's version field, when it has one (size >= 6 and
// the "SPOB" magic).
std::optional<std::uint16_t> blob_version(std::span<const std::uint8_t> blob);
inline constexpr std::uint16_t kVersion = 2;

enum class Kind : std::uint8_t { master = 1, tls13_psk = 2 };
// The kind byte of a version-2 blob (size >= 7), not checked against the
// known kinds (the import of the kind checks it, with everything else).
std::optional<std::uint8_t> blob_kind(std::span<const std::uint8_t> blob);

// The header fields a kind sets and checks; the rest (magic, version, check
// value, wrapped length, tag) is the family's.
struct Header {
  Kind kind;
  std::uint8_t flags;
  std::uint32_t protocol;
  std::uint32_t suite;
  std::size_t secret_bytes;  // what is wrapped; the blob holds wrapped_bytes(secret_bytes)
};

// Error(Fault::bad_data), "pool key blob: " + why: how every refusal of a
// blob's content reads.
[[noreturn]] void bad_blob(const std::string& why);

// The blob of `secret` (an extractable object of header.secret_bytes on
// `token`), wrapped under the pool key and tagged. Throws
// Error(Fault::not_supported) when the token has no pool key, p11::Error
// from the token.
std::vector<std::uint8_t> seal(TokenContext& token, const Header& header, CK_OBJECT_HANDLE secret);

// The header of a version-2 blob of `kind`, its structure checked (size,
// magic, version, kind, reserved, a length matching the wrapped length) but
// not yet its tag. Error(Fault::bad_data) otherwise.
Header parse(std::span<const std::uint8_t> blob, Kind kind);

// The secret of a parsed blob, a new object on `token` made by C_UnwrapKey
// with `unwrap_template`, once the check value and the tag are right.
// Error(Fault::bad_data) for another pool key or an altered blob (nothing
// made), Error(Fault::not_supported) when the token has no pool key.
p11::Object open(TokenContext& token, std::span<const std::uint8_t> blob, p11::AttributeTemplate unwrap_template);

// The blob of a master made extractable for the pool (MasterKey::wrappable),
// on its own member. Throws Error(Fault::bad_key_state) when the master is
// lost, p11::Error from the token.
std::vector<std::uint8_t> export_master(const MasterKey& master);

// A new master on provider.token() (the member the caller placed it on) from
// a version-2 blob. Error(Fault::bad_data) for a blob of the wrong size,
// altered in any byte, or wrapped under another pool key; Error(Fault::
// not_supported) when the member has no pool key.
std::shared_ptr<MasterKey> import_master(const Provider& provider, std::span<const std::uint8_t> blob);

}  // namespace pool_blobs
}  // namespace sslp11::core
