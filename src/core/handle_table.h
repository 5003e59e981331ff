// Opaque NCRYPT_* handles -> typed objects, process-wide (SslGetKeyProperty
// and SslFreeObject get no provider handle). Handles are never reused, so a
// freed or forged handle cannot alias a live object; lookups return a
// shared_ptr that keeps the object alive for the duration of the call even if
// another thread frees the handle meanwhile.
//
// Sharded: every Ssl* call looks a handle up, and a single reader-writer lock
// would be one cache line that all threads write (its reader count) on every
// record. Consecutive handles fall in different shards, so threads working on
// their own connections' keys do not meet. And each thread remembers its last
// few look-ups (weakly) with the shard's removal count at the time: while no
// handle of that shard was removed, a repeated look-up (a connection's record
// key, record after record) skips the shard lock and the hash table.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <unordered_map>

namespace sslp11::core {

enum class ObjectKind {
  provider,
  private_key,    // long-term token key (SslOpenPrivateKey)
  ephemeral_key,  // (EC)DH key pair of one handshake
  public_key,     // the peer's public key
  pre_master_key,
  master_key,
  session_key,    // one direction's record key
  hash,           // handshake transcript hash
};

const char* kind_name(ObjectKind k);

class HandleObject {
 public:
  HandleObject(ObjectKind kind, std::uint64_t provider_id) : kind_(kind), provider_id_(provider_id) {}
  virtual ~HandleObject() = default;
  ObjectKind kind() const noexcept { return kind_; }
  // The provider instance (SslOpenProvider call) that created the object.
  std::uint64_t provider_id() const noexcept { return provider_id_; }

 private:
  ObjectKind kind_;
  std::uint64_t provider_id_;
};

class HandleTable {
 public:
  static HandleTable& instance();

  std::uintptr_t insert(std::shared_ptr<HandleObject> object);
  std::shared_ptr<HandleObject> find(std::uintptr_t handle) const;
  // Removes and returns the object (null if the handle is not live).
  std::shared_ptr<HandleObject> remove(std::uintptr_t handle);
  std::size_t size() const;

 private:
  HandleTable();
  struct alignas(64) Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::uintptr_t, std::shared_ptr<HandleObject>> objects;
    std::atomic<std::uint64_t> removals{0};  // bumped by remove(): invalidates the threads' remembered look-ups
  };
  static constexpr std::size_t kShards = 64;
  static constexpr std::uintptr_t kStep = 0x10;  // handles keep their low bits clear
  Shard& shard(std::uintptr_t handle) noexcept { return shards_[(handle / kStep) % kShards]; }
  const Shard& shard(std::uintptr_t handle) const noexcept { return shards_[(handle / kStep) % kShards]; }

  std::array<Shard, kShards> shards_;
  std::atomic<std::uintptr_t> next_;
};

}  // namespace sslp11::core
