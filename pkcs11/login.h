// Logging a token in as the user, once, with one PIN — the piece of a
// session pool that knows about PINs, kept apart so that a pool over several
// tokens can give each its own.
//
// PKCS#11 facts that shape it: login state belongs to the token and the
// application, not to a session, so one C_Login covers every session of the
// token; a PIN the token rejected must not be tried again (a few more tries
// lock the token); and once any login succeeded, C_Login answers
// CKR_USER_ALREADY_LOGGED_IN without looking at the PIN at all.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "pkcs11/api.h"
#include "pkcs11/module.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::p11 {

// The one answer to "did the token reject the PIN?": the CKR codes of
// C_Login (and C_SetPIN) that say the PIN itself is wrong, malformed,
// locked or expired — never worth retrying with the same PIN.
bool is_pin_rejected(CK_RV rv) noexcept;

// The user login of one token with one PIN, shared by every session a pool
// opens on it. Thread-safe; the token is asked for the PIN at most once per
// PIN, whatever the number of threads that need a login.
class UserLogin {
 public:
  // `pin` may be empty for a token that needs no login (then ensure() is never called).
  UserLogin(const Module& module, Pin pin);
  ~UserLogin();
  UserLogin(const UserLogin&) = delete;
  UserLogin& operator=(const UserLogin&) = delete;

  // Log `session` (on `slot`) in, unless the token already is. `after_loss`:
  // the token said the login was lost, so do not trust the session state.
  // Throws LayerError(Fault::pin_rejected) when this PIN was rejected before
  // (or another provider logged in with another PIN), LayerError
  // (Fault::login_required) without a PIN, and the C_Login p11::Error when
  // the token refuses now.
  void ensure(const Api& api, CK_SESSION_HANDLE session, CK_SLOT_ID slot, bool after_loss);

  // One atomic load: the hot path's question before handing out a session.
  bool logged_in() const noexcept { return logged_in_.load(std::memory_order_acquire); }
  // A new module epoch starts logged out.
  void forget() noexcept { logged_in_.store(false, std::memory_order_release); }
  // Replace the PIN after a rejection (a rejected PIN is never retried).
  void set_pin(Pin pin);

 private:
  // See the registry in login.cpp: a wrong PIN on a token that is already logged in.
  void remember(CK_SLOT_ID slot);
  void check_same_pin_as_first_login(CK_SLOT_ID slot);

  const Module* module_;
  // Expires with this login: the registry forgets what it remembered for it.
  std::shared_ptr<const int> identity_;
  std::mutex mutex_;  // serialises C_Login only, so a wrong PIN is tried once, not once per thread
  Pin pin_;
  bool pin_rejected_ = false;
  // False until a login succeeds, and again after a failed one: a session is
  // then logged in before it is handed out.
  std::atomic<bool> logged_in_{false};
};

}  // namespace sslp11::p11
