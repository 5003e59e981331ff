// One R/W session on the chosen token for the administrative subcommands,
// built on the provider's own PKCS#11 layer (Module::load, select_token, the
// Api wrappers). Logs in as the user or the security officer; a PIN the token
// rejects becomes one line naming the token's retry-counter flags.
#pragma once

#include <memory>
#include <string>

#include "cli/target.h"
#include "pkcs11/module.h"
#include "pkcs11/secure_buffer.h"
#include "pkcs11/token.h"

namespace sslp11::cli {

// The loaded module and the selected slot (throws LayerError when no token matches).
struct SelectedToken {
  std::shared_ptr<p11::Module> module;
  p11::SlotDescription slot;
};
SelectedToken select_target_token(const Target& target);

class TokenSession {
 public:
  TokenSession(std::shared_ptr<p11::Module> module, p11::SlotDescription slot);
  ~TokenSession();
  TokenSession(const TokenSession&) = delete;
  TokenSession& operator=(const TokenSession&) = delete;

  const p11::Api& api() const noexcept { return module_->api(); }
  CK_SESSION_HANDLE handle() const noexcept { return session_; }
  const p11::SlotDescription& slot() const noexcept { return slot_; }
  const std::string& label() const noexcept { return slot_.label; }

  // C_Login; CKR_USER_ALREADY_LOGGED_IN counts as success. A rejected PIN
  // throws OperationError: "token 'X' rejected the user PIN
  // (CKR_PIN_INCORRECT); PIN flags now: user-pin-count-low".
  void login(CK_USER_TYPE user, const p11::Pin& pin);
  bool logged_in() const noexcept { return logged_in_; }

 private:
  std::shared_ptr<p11::Module> module_;
  p11::SlotDescription slot_;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
  bool logged_in_ = false;
};

enum class Login { required, if_possible };

// Selects the token, opens a session and logs the user in when the token
// wants a login. Login::if_possible skips the login when the PIN source is
// `none` (the session then sees public objects only).
std::unique_ptr<TokenSession> open_user_session(const Target& target, Login login = Login::required);

// The one-line message for a PIN the token refused, reading the token's
// flags now (never the PIN).
std::string pin_rejected_message(const p11::Api& api, CK_SLOT_ID slot, const std::string& label, CK_RV rv,
                                 CK_USER_TYPE user);
bool is_pin_failure(CK_RV rv) noexcept;

}  // namespace sslp11::cli
