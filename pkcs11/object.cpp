#include "pkcs11/object.h"

namespace sslp11::p11 {

CK_OBJECT_HANDLE Object::handle() const {
  if (!empty() && !alive()) {
    throw LayerError(Fault::object_lost,
                     "a key's token object was lost with the session that made it (token removed or reconnected, "
                     "sessions closed, or the provider was opened before fork()); start a new handshake");
  }
  return handle_;
}

Object::Object(Object&& o) noexcept
    : pool_(std::move(o.pool_)), creator_(std::move(o.creator_)), handle_(std::exchange(o.handle_, CK_INVALID_HANDLE)) {}

Object& Object::operator=(Object&& o) noexcept {
  if (this != &o) {
    reset();
    pool_ = std::move(o.pool_);
    creator_ = std::move(o.creator_);
    handle_ = std::exchange(o.handle_, CK_INVALID_HANDLE);
  }
  return *this;
}

void Object::reset() noexcept {
  if (alive()) {
    try {
      pool_->run([this](Lease& lease) {
        // Checked again under the lease: the module may have been re-initialised since.
        if (alive()) lease.api().C_DestroyObject(lease.handle(), handle_);
        return 0;
      });
    } catch (...) {
      // Destruction failing means the token lost the object already.
    }
  }
  handle_ = CK_INVALID_HANDLE;
  creator_.reset();
  pool_.reset();
}

void Object::reset(const Lease& lease) noexcept {
  if (alive()) {
    try {
      lease.api().C_DestroyObject(lease.handle(), handle_);
    } catch (...) {
    }
  }
  handle_ = CK_INVALID_HANDLE;
  creator_.reset();
  pool_.reset();
}

}  // namespace sslp11::p11
