// The chosen token with one R/W session (p11::Session) for the
// administrative subcommands, built on the provider's own PKCS#11 layer
// (Module::load, select_token, the Api wrappers). What is the CLI's own is
// the wording: a PIN the token rejects becomes one line naming the token's
// retry-counter flags.
#pragma once

#include <memory>
#include <string>

#include "cli/target.h"
#include "pkcs11/module.h"
#include "pkcs11/secure_buffer.h"
#include "pkcs11/session.h"
#include "pkcs11/token.h"

namespace sslp11::cli {

// Module::load, and a p11-kit client module without a server refused
// (remote_module.h) before "no slots" or "no token matches" could mislead.
std::shared_ptr<p11::Module> load_module(const Target& target);

// The loaded module and the selected slot (throws LayerError when no token matches).
struct SelectedToken {
  std::shared_ptr<p11::Module> module;
  p11::SlotDescription slot;
};
SelectedToken select_target_token(const Target& target);

class TokenSession {
 public:
  // A read/write session unless `flags` says otherwise (0: read-only).
  TokenSession(std::shared_ptr<p11::Module> module, p11::SlotDescription slot, CK_FLAGS flags = CKF_RW_SESSION);
  ~TokenSession() = default;
  TokenSession(const TokenSession&) = delete;
  TokenSession& operator=(const TokenSession&) = delete;

  const p11::Api& api() const noexcept { return session_.api(); }
  CK_SESSION_HANDLE handle() const noexcept { return session_.handle(); }
  const p11::SlotDescription& slot() const noexcept { return slot_; }
  const std::string& label() const noexcept { return slot_.label; }

  // p11::Session::login (CKR_USER_ALREADY_LOGGED_IN counts as success). A
  // rejected PIN throws OperationError: "token 'X' rejected the user PIN
  // (CKR_PIN_INCORRECT); token PIN flags now: user-pin-count-low".
  void login(CK_USER_TYPE user, const p11::Pin& pin);
  bool logged_in() const noexcept { return session_.logged_in(); }

 private:
  p11::Session session_;
  p11::SlotDescription slot_;
};

enum class Login { required, if_possible };
enum class Access { read_write, read_only };

// Selects the token, opens a session and logs the user in when the token
// wants a login. Login::if_possible skips the login when the PIN source is
// `none` (the session then sees public objects only). Access::read_only is
// for reading a token that may be write-protected.
std::unique_ptr<TokenSession> open_user_session(const Target& target, Login login = Login::required,
                                                Access access = Access::read_write);

// The one-line message for a PIN the token refused (p11::is_pin_rejected),
// reading the token's flags now (never the PIN).
std::string pin_rejected_message(const p11::Api& api, CK_SLOT_ID slot, const std::string& label, CK_RV rv,
                                 CK_USER_TYPE user);

}  // namespace sslp11::cli
