// Finding one token again after the module lost it — the piece of a session
// pool that knows which CKR codes mean "gone" and how to come back, kept
// apart so that a pool over several tokens can give each its own.
//
// A module may lose the token altogether (p11-kit-client whose server went
// away, a token removed and put back): then the token is looked for by label
// and serial, in its slot or any other (a re-initialised module numbers its
// slots afresh), and if it does not answer the module is re-initialised,
// which starts a new module epoch.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "pkcs11/error.h"
#include "pkcs11/module.h"

namespace sslp11::p11 {

// What a failed call says about the token's state, in the order a pool
// recovers: log in again, replace the session, reconnect to the token.
enum class Loss { none, login, session, connection };

class TokenRecovery {
 public:
  // `info`: the token as found in `slot` (its label and serial identify it later).
  TokenRecovery(std::shared_ptr<Module> module, CK_SLOT_ID slot, const CK_TOKEN_INFO& info);

  // May change when a re-initialised module numbers its slots afresh.
  CK_SLOT_ID slot() const noexcept { return slot_.load(std::memory_order_acquire); }
  const std::string& label() const noexcept { return label_; }

  Loss loss_of(CK_RV rv) const noexcept;
  // is_connection_lost, except that CKR_DEVICE_ERROR counts only for socket
  // modules (NSS softoken answers it for bad data, which must stay an error
  // about the data, with the same token calls, not a retry).
  bool connection_lost(CK_RV rv) const noexcept {
    return is_connection_lost(rv) && (rv != CKR_DEVICE_ERROR || module_->uses_socket());
  }

  // The token answers (found again by label and serial if its slot number
  // moved); else re-initialise the module (if still at `seen_epoch`) and
  // look again. `nested`: the caller holds the module's call lock shared
  // already, so waiting for in-flight calls to finish could only time out.
  bool reconnect(std::uint64_t seen_epoch, bool nested);

  // LayerError(Fault::token_unreachable) naming the token and `e`.
  [[noreturn]] void throw_unreachable(const Error& e) const;

 private:
  bool relocate();

  std::shared_ptr<Module> module_;
  std::atomic<CK_SLOT_ID> slot_;
  std::string label_;  // with the serial: how relocate() recognises the token
  std::string serial_;
};

}  // namespace sslp11::p11
