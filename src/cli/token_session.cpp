#include "cli/token_session.h"

#include "cli/errors.h"
#include "cli/format.h"
#include "cli/pins.h"
#include "pkcs11/error.h"

namespace sslp11::cli {

SelectedToken select_target_token(const Target& target) {
  SelectedToken t;
  t.module = p11::Module::load(target.module, target.init_args);
  t.slot = p11::select_token(*t.module, target.selector);
  return t;
}

TokenSession::TokenSession(std::shared_ptr<p11::Module> module, p11::SlotDescription slot)
    : module_(std::move(module)), slot_(std::move(slot)) {
  session_ = api().C_OpenSession(slot_.id, CKF_RW_SESSION);
}

TokenSession::~TokenSession() {
  try {
    if (logged_in_) api().C_Logout(session_);
  } catch (const p11::Error&) {
    // The session goes away next; logging out is a courtesy.
  }
  try {
    api().C_CloseSession(session_);
  } catch (const p11::Error&) {
  }
}

bool is_pin_failure(CK_RV rv) noexcept {
  return rv == CKR_PIN_INCORRECT || rv == CKR_PIN_INVALID || rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_LOCKED ||
         rv == CKR_PIN_EXPIRED;
}

std::string pin_rejected_message(const p11::Api& api, CK_SLOT_ID slot, const std::string& label, CK_RV rv,
                                 CK_USER_TYPE user) {
  std::string flags = "unknown (C_GetTokenInfo failed)";
  try {
    flags = pin_counter_flags_text(api.C_GetTokenInfo(slot).flags, user);
  } catch (const p11::Error&) {
  }
  const std::string who = user == CKU_SO ? "SO PIN" : "user PIN";
  return "token '" + label + "' rejected the " + who + " (" + std::string(p11::rv_name(rv)) +
         "); token PIN flags now: " + flags;
}

void TokenSession::login(CK_USER_TYPE user, const p11::Pin& pin) {
  try {
    api().C_Login(session_, user, pin.bytes());
  } catch (const p11::Error& e) {
    if (e.rv() == CKR_USER_ALREADY_LOGGED_IN) {
      logged_in_ = true;
      return;
    }
    if (is_pin_failure(e.rv())) throw OperationError(pin_rejected_message(api(), slot_.id, slot_.label, e.rv(), user));
    if (e.rv() == CKR_USER_PIN_NOT_INITIALIZED) {
      throw OperationError("token '" + slot_.label + "' has no user PIN yet: run sslp11-admin init-pin");
    }
    throw;
  }
  logged_in_ = true;
}

std::unique_ptr<TokenSession> open_user_session(const Target& target, Login login) {
  SelectedToken t = select_target_token(target);
  const CK_FLAGS flags = t.slot.token_flags;
  if ((flags & CKF_TOKEN_INITIALIZED) == 0) {
    throw OperationError("token in slot " + std::to_string(t.slot.id) +
                         " is not initialised: run sslp11-admin init-token first");
  }
  auto session = std::make_unique<TokenSession>(t.module, t.slot);
  if ((flags & CKF_LOGIN_REQUIRED) == 0) return session;
  if (target.user_pin.source.kind == config::PinSource::Kind::none) {
    if (login == Login::if_possible) return session;
    throw UsageError("token '" + t.slot.label + "' requires a user login but the PIN source is none; give " +
                     "--pin-source env:NAME, file:PATH or prompt");
  }
  if ((flags & CKF_USER_PIN_INITIALIZED) == 0) {
    throw OperationError("token '" + t.slot.label + "' has no user PIN yet: run sslp11-admin init-pin");
  }
  const p11::Pin pin = read_pin(target.user_pin, "user PIN", t.slot.label);
  session->login(CKU_USER, pin);
  return session;
}

}  // namespace sslp11::cli
