#include "pkcs11/session.h"

#include <utility>

#include "pkcs11/login.h"

namespace sslp11::p11 {

Session::Session(std::shared_ptr<Module> module, CK_SLOT_ID slot, CK_FLAGS flags)
    : module_(std::move(module)), slot_(slot) {
  handle_ = api().C_OpenSession(slot_, flags);
}

Session::~Session() {
  try {
    if (logged_in_) api().C_Logout(handle_);
  } catch (const Error&) {
    // The session goes away next; logging out is a courtesy.
  }
  try {
    api().C_CloseSession(handle_);
  } catch (const Error&) {
    // Nothing left to release if the token already dropped the session.
  }
}

void Session::login(CK_USER_TYPE user, const Pin& pin) {
  try {
    api().C_Login(handle_, user, pin.bytes());
  } catch (const Error& e) {
    if (e.rv() == CKR_USER_ALREADY_LOGGED_IN) {
      logged_in_ = true;
      return;
    }
    if (is_pin_rejected(e.rv())) throw PinRejected(e.rv(), "C_Login", user == CKU_SO ? "logging in with the SO PIN" : "logging in with the user PIN");
    throw;
  }
  logged_in_ = true;
}

}  // namespace sslp11::p11
