// One plain PKCS#11 session: C_OpenSession on construction, C_Logout (when
// this session logged in) and C_CloseSession on destruction. For tools that
// administer a token one step at a time (sslp11-admin); the provider itself
// uses the SessionPool, which shares sessions between threads.
#pragma once

#include <memory>

#include "pkcs11/api.h"
#include "pkcs11/error.h"
#include "pkcs11/module.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::p11 {

// C_Login refused the PIN itself (login.h's is_pin_rejected): never worth
// retrying with the same PIN. Carries the CKR code; never the PIN.
class PinRejected : public Error {
 public:
  using Error::Error;
};

class Session {
 public:
  // A read/write session unless `flags` says otherwise (CKF_SERIAL_SESSION is always added).
  Session(std::shared_ptr<Module> module, CK_SLOT_ID slot, CK_FLAGS flags = CKF_RW_SESSION);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Api& api() const noexcept { return module_->api(); }
  const Module& module() const noexcept { return *module_; }
  CK_SESSION_HANDLE handle() const noexcept { return handle_; }
  CK_SLOT_ID slot() const noexcept { return slot_; }

  // C_Login as CKU_USER or CKU_SO. CKR_USER_ALREADY_LOGGED_IN counts as
  // success: login state belongs to the token, and another session of this
  // application may have logged it in. Throws PinRejected when the token
  // refuses the PIN, the C_Login p11::Error for any other refusal.
  void login(CK_USER_TYPE user, const Pin& pin);
  bool logged_in() const noexcept { return logged_in_; }

 private:
  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_;
  CK_SESSION_HANDLE handle_ = CK_INVALID_HANDLE;
  bool logged_in_ = false;
};

}  // namespace sslp11::p11
