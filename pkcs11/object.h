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

  CK_OBJECT_HANDLE handle() const noexcept { return handle_; }
  bool empty() const noexcept { return handle_ == CK_INVALID_HANDLE; }
  // False once the creating session is known to be lost.
  bool alive() const noexcept { return !empty() && creator_ && creator_->alive.load(std::memory_order_relaxed); }
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
