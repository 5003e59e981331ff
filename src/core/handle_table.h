// Opaque NCRYPT_* handles -> typed objects, process-wide (SslGetKeyProperty
// and SslFreeObject get no provider handle). Handles are never reused, so a
// freed or forged handle cannot alias a live object; lookups return a
// shared_ptr that keeps the object alive for the duration of the call even if
// another thread frees the handle meanwhile.
#pragma once

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
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::uintptr_t, std::shared_ptr<HandleObject>> objects_;
  std::uintptr_t next_;
};

}  // namespace sslp11::core
