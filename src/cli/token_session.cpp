#include "cli/token_session.h"

#include "cli/errors.h"
#include "cli/format.h"
#include "cli/pins.h"
#include "cli/remote_module.h"
#include "pkcs11/error.h"

namespace sslp11::cli {

std::shared_ptr<p11::Module> load_module(const Target& target) {
  auto module = p11::Module::load(target.module, target.init_args);
  require_remote_server(*module);
  return module;
}

SelectedToken select_target_token(const Target& target) {
  SelectedToken t;
  t.module = load_module(target);
  t.slot = p11::select_token(*t.module, target.selector);
  return t;
}

TokenSession::TokenSession(std::shared_ptr<p11::Module> module, p11::SlotDescription slot, CK_FLAGS flags)
    : session_(std::move(module), slot.id, flags), slot_(std::move(slot)) {}

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
    session_.login(user, pin);
  } catch (const p11::PinRejected& e) {
    throw OperationError(pin_rejected_message(api(), slot_.id, slot_.label, e.rv(), user));
  } catch (const p11::Error& e) {
    if (e.rv() == CKR_USER_PIN_NOT_INITIALIZED) {
      throw OperationError("token '" + slot_.label + "' has no user PIN yet: run sslp11-admin init-pin");
    }
    throw;
  }
}

std::unique_ptr<TokenSession> open_user_session(const Target& target, Login login, Access access) {
  SelectedToken t = select_target_token(target);
  const CK_FLAGS flags = t.slot.token_flags;
  if ((flags & CKF_TOKEN_INITIALIZED) == 0) {
    throw OperationError("token in slot " + std::to_string(t.slot.id) +
                         " is not initialised: run sslp11-admin init-token first");
  }
  auto session = std::make_unique<TokenSession>(t.module, t.slot, access == Access::read_write ? CKF_RW_SESSION : 0);
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
