// RAII owner of one token session object: destroyed on the token when the
// owner goes, unless the session that created it is already gone (then the
// token destroyed it already and the handle may name something else).
#pragma once

#include <memory>

#include "pkcs11/session_pool.h"

namespace sslp11::p11 {

class Object {
 public:
  Object() = default;
  Object(std::shared_ptr<SessionPool> pool, std::shared_ptr<SessionRecord> creator, CK_OBJECT_HANDLE handle) noexcept
      : pool_(std::move(pool)), creator_(std::move(creator)), handle_(handle) {}
  // Convenience: the object was created in `lease`'s session.
  Object(std::shared_ptr<SessionPool> pool, const Lease& lease, CK_OBJECT_HANDLE handle) noexcept
      : Object(std::move(pool), lease.record(), handle) {}
  Object(Object&& o) noexcept;
  Object& operator=(Object&& o) noexcept;
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  ~Object() { reset(); }

  // The handle, for a token call made under a lease (which keeps the module
  // epoch from moving until the call is done). Throws LayerError
  // (Fault::object_lost) when the object is no longer alive: after the module
  // was re-initialised its number may name a different, newer object, so a
  // stale handle must never reach the token. An empty object gives CK_INVALID_HANDLE.
  CK_OBJECT_HANDLE handle() const;
  bool empty() const noexcept { return handle_ == CK_INVALID_HANDLE; }
  // False once the creating session is known to be lost, or belongs to an
  // older module epoch or to the parent process. No token call.
  bool alive() const noexcept { return !empty() && creator_ && pool_->is_current(*creator_); }
  const std::shared_ptr<SessionPool>& pool() const noexcept { return pool_; }

  // Destroy now, borrowing a session from the pool. Never throws.
  void reset() noexcept;
  // Destroy now with a session the caller already holds (saves a pool round trip).
  void reset(const Lease& lease) noexcept;

 private:
  std::shared_ptr<SessionPool> pool_;
  std::shared_ptr<SessionRecord> creator_;
  CK_OBJECT_HANDLE handle_ = CK_INVALID_HANDLE;
};

}  // namespace sslp11::p11
