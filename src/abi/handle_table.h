// Opaque NCRYPT_* handles -> typed objects, process-wide (SslGetKeyProperty
// and SslFreeObject get no provider handle). This is the C boundary's
// registry, as SoftHSMv2's handle manager is its PKCS#11 one: each entry is
// {kind, owner, object}, and the core objects behind it know nothing of
// handles. Handles are never reused, so a freed or forged handle cannot alias
// a live object; lookups return a shared_ptr that keeps the object alive for
// the duration of the call even if another thread frees the handle meanwhile.
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
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

namespace sslp11::core {
class Provider;
class TokenPool;
class PrivateKey;
class EphemeralKey;
class PublicKey;
class PreMasterKey;
class MasterKey;
class SessionKey;
class HandshakeHash;
class Tls13Schedule;
}  // namespace sslp11::core

namespace sslp11::abi {

struct Tls13SecretKey;  // abi/tls13_keys.h

enum class HandleKind {
  provider,
  private_key,    // long-term token key (SslOpenPrivateKey)
  ephemeral_key,  // (EC)DH key pair of one handshake
  public_key,     // the peer's public key
  pre_master_key,
  master_key,
  session_key,    // one direction's record key
  hash,           // handshake transcript hash
  tls13_secret,   // a TLS 1.3 secret (early, handshake, master, traffic, exporter, resumption, PSK, binder);
                  // a TLS 1.3 write key is a session_key of protocol 0x0304
};

const char* kind_name(HandleKind k);

// The kind of handle a core type is published as: the one place that pairs them.
template <class T>
struct HandleKindOf;  // no kind: not publishable
template <> struct HandleKindOf<core::Provider> { static constexpr HandleKind value = HandleKind::provider; };
template <> struct HandleKindOf<core::PrivateKey> { static constexpr HandleKind value = HandleKind::private_key; };
template <> struct HandleKindOf<core::EphemeralKey> { static constexpr HandleKind value = HandleKind::ephemeral_key; };
template <> struct HandleKindOf<core::PublicKey> { static constexpr HandleKind value = HandleKind::public_key; };
template <> struct HandleKindOf<core::PreMasterKey> { static constexpr HandleKind value = HandleKind::pre_master_key; };
template <> struct HandleKindOf<core::MasterKey> { static constexpr HandleKind value = HandleKind::master_key; };
template <> struct HandleKindOf<core::SessionKey> { static constexpr HandleKind value = HandleKind::session_key; };
template <> struct HandleKindOf<core::HandshakeHash> { static constexpr HandleKind value = HandleKind::hash; };
template <> struct HandleKindOf<Tls13SecretKey> { static constexpr HandleKind value = HandleKind::tls13_secret; };
template <class T>
inline constexpr HandleKind handle_kind_v = HandleKindOf<std::remove_const_t<T>>::value;

// One SslOpenProvider call, as the C boundary sees it: its handle, whether it
// is still open and its reference count. Every entry it made shares it, so a
// record call checks "is hSslProvider the open provider that made this key"
// by reading it, without looking the provider handle up. `handle` and `open`
// are written once at open and once at the last release, so the threads of
// every connection only read them; the count, written by the reference
// calls, sits on a cache line of its own.
struct Owner {
  std::atomic<std::uintptr_t> handle{0};
  std::atomic<bool> open{true};
  // The provider's pool, set before its handle is published: the record
  // calls, which skip the provider's own entry, are watched by it
  // (core::TokenPool::Watched) through this.
  std::shared_ptr<core::TokenPool> pool;
  alignas(64) std::atomic<int> references{1};
  // The TLS 1.3 schedule of the provider's token, made at its first TLS 1.3
  // call and kept while the instance or anything it made lives: one per
  // handshake would remake the schedule's per-token objects (the HKDF zeros)
  // on the token every time (abi/tls13_keys.cpp).
  std::mutex tls13_mutex;
  std::shared_ptr<const core::Tls13Schedule> tls13;
};

// What a handle names. Immutable once published.
struct HandleEntry {
  HandleKind kind;
  std::shared_ptr<Owner> owner;  // the provider instance that made it
  std::shared_ptr<void> object;  // a handle_kind_v<T> entry holds a T

  // The object as a T; T must be the entry's kind (callers switch on it first).
  template <class T>
  T& as() const {
    if (kind != handle_kind_v<T>) throw std::logic_error("handle entry read as another kind");
    return *static_cast<T*>(object.get());
  }
};

class HandleTable {
 public:
  // The process-wide table the Ssl* functions use.
  static HandleTable& instance();

  // A table of its own (tests); instance() is the one the API uses.
  HandleTable();
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  template <class T>
  std::uintptr_t insert(std::shared_ptr<T> object, std::shared_ptr<Owner> owner) {
    return insert(std::make_shared<const HandleEntry>(
        HandleEntry{handle_kind_v<T>, std::move(owner), std::shared_ptr<void>(std::move(object))}));
  }
  std::uintptr_t insert(std::shared_ptr<const HandleEntry> entry);

  // The entry (null if the handle is not live).
  std::shared_ptr<const HandleEntry> find(std::uintptr_t handle) const;
  // The object, if the handle is live and of T's kind (else null).
  template <class T>
  std::shared_ptr<T> find(std::uintptr_t handle) const {
    return object_of<T>(find(handle));
  }
  // The entry's object as a T sharing the entry's ownership (no extra
  // reference count round trip), or null if the entry is not of T's kind.
  template <class T>
  static std::shared_ptr<T> object_of(std::shared_ptr<const HandleEntry> entry) {
    if (!entry || entry->kind != handle_kind_v<T>) return nullptr;
    T* object = static_cast<T*>(entry->object.get());
    return std::shared_ptr<T>(std::move(entry), object);
  }

  // Removes and returns the entry (null if the handle is not live).
  std::shared_ptr<const HandleEntry> remove(std::uintptr_t handle);
  std::size_t size() const;

  static constexpr std::uintptr_t kStep = 0x10;  // handles keep their low bits clear

 private:
  struct alignas(64) Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::uintptr_t, std::shared_ptr<const HandleEntry>> entries;
    std::atomic<std::uint64_t> removals{0};  // bumped by remove(): invalidates the threads' remembered look-ups
  };
  static constexpr std::size_t kShards = 64;
  Shard& shard(std::uintptr_t handle) noexcept { return shards_[(handle / kStep) % kShards]; }
  const Shard& shard(std::uintptr_t handle) const noexcept { return shards_[(handle / kStep) % kShards]; }

  std::array<Shard, kShards> shards_;
  std::atomic<std::uintptr_t> next_;
  const std::uint64_t id_;  // tells the tables apart in the threads' remembered look-ups
};

}  // namespace sslp11::abi
