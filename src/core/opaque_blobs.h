// BCRYPT_OPAQUE_KEY_BLOB for master and session keys: an authenticated
// *reference* to a key that stays on the token, never the key itself (master
// and session keys are sensitive, non-extractable token objects; nothing is
// wrapped and no key byte is in the blob).
//
// Blob layout (72 bytes, integers little-endian):
//    0  magic "SPOB" (sslp11 opaque blob)      4  version (u16) = 1
//    6  kind (u8): 1 master key, 2 session key  7  flags (u8): master: bit 0
//       server role, bit 1 extended master secret; session: bit 0 write key
//    8  protocol (u32)                         12  cipher suite (u32)
//   16  instance id (16 bytes)                 32  serial (u64)
//   40  HMAC-SHA256 of bytes 0..39 (32 bytes)
// The tag is computed on the token (C_Sign with CKM_SHA256_HMAC) under a
// 32-byte CKK_GENERIC_SECRET session object made on first use (sensitive, not
// extractable, sign only), and checked by computing it again on the token and
// comparing in constant time (NSS softoken's C_Verify reports a wrong HMAC as
// CKR_DEVICE_ERROR, not CKR_SIGNATURE_INVALID). The instance id is
// random per registry, so a blob from another token, process or registry
// generation is refused before its tag is checked.
//
// Export registers the key (serial -> key, and who exported it) so that the
// blob stays importable after the exporting handle is freed, as a session
// cache expects; the
// registry holds at most `capacity` keys (1024) and evicts the oldest serial
// first, so exports cannot grow token objects without bound. Exporting the
// same key again returns the same blob (its existing serial).
//
// One registry per TokenContext, shared by the provider instances open on it
// and owned by them (TokenContext keeps only a weak reference, so the keys it
// holds never keep their own TokenContext alive): when the last provider on a
// token closes, the registered keys go and old blobs are from "another
// instance". A provider on a pool holds every member's registry and uses the
// one of the key's member (Provider::opaque_blobs_on / opaque_blobs_naming),
// so a blob never depends on another member being up.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_map>
#include <variant>
#include <vector>

#include "pkcs11/object.h"
#include "pkcs11/session_pool.h"

namespace sslp11::core {

class MasterKey;
class SessionKey;

// The keys an opaque blob can name.
using BlobKey = std::variant<std::shared_ptr<MasterKey>, std::shared_ptr<SessionKey>>;

class OpaqueBlobRegistry {
 public:
  static constexpr std::size_t kDefaultCapacity = 1024;
  static constexpr std::size_t kHeaderBytes = 40;
  static constexpr std::size_t kTagBytes = 32;
  static constexpr std::size_t kBlobBytes = kHeaderBytes + kTagBytes;

  explicit OpaqueBlobRegistry(std::shared_ptr<p11::SessionPool> pool, std::size_t capacity = kDefaultCapacity);
  OpaqueBlobRegistry(const OpaqueBlobRegistry&) = delete;
  OpaqueBlobRegistry& operator=(const OpaqueBlobRegistry&) = delete;
  ~OpaqueBlobRegistry();

  // The blob for a live master or session key (kBlobBytes). Registers the key
  // with `exporter`: a number naming who asks that is never reused (the C
  // boundary passes its provider handle), kept for import_blob to return.
  // Exporting a key again keeps its first exporter. Throws core::Error / p11::Error.
  std::vector<std::uint8_t> export_blob(const BlobKey& key, std::uintptr_t exporter);

  struct Registered {
    BlobKey key;
    std::uintptr_t exporter;
  };
  // The registered key a blob names. Error(Fault::bad_data) for a blob
  // of the wrong size, altered in any byte, or made by another registry
  // (token, process, provider generation); Fault::bad_key_state for a genuine
  // blob whose key was evicted or no longer exists on the token.
  Registered import_blob(std::span<const std::uint8_t> blob);

  // `blob` carries this registry's instance id (bytes 16..31 of a
  // version-1 blob; public, so no token call and no timing to hide).
  bool made(std::span<const std::uint8_t> blob) const noexcept;

  std::size_t size() const;
  std::size_t capacity() const noexcept { return capacity_; }
  // Tests shrink the bound to see eviction without a thousand handshakes.
  void set_capacity(std::size_t capacity);

 private:
  CK_OBJECT_HANDLE mac_key();  // generates it on first use (and after its session was lost)
  void sign(std::span<const std::uint8_t> header, std::span<std::uint8_t> tag);
  bool verify(std::span<const std::uint8_t> header, std::span<const std::uint8_t> tag);
  void evict_over_capacity();  // mutex_ held

  std::shared_ptr<p11::SessionPool> pool_;
  std::array<std::uint8_t, 16> instance_id_{};
  std::size_t capacity_;

  std::mutex key_mutex_;  // serialises making the MAC key (a token call)
  p11::Object mac_key_;

  mutable std::mutex mutex_;  // guards the maps and next_serial_; never held across a token call
  std::uint64_t next_serial_ = 1;
  std::map<std::uint64_t, Registered> by_serial_;  // ordered: oldest first
  std::unordered_map<const void*, std::uint64_t> serial_of_;  // by the key's address
};

}  // namespace sslp11::core
