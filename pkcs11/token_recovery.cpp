#include "pkcs11/token_recovery.h"

#include <mutex>
#include <shared_mutex>
#include <utility>

namespace sslp11::p11 {

namespace {

// Long enough for in-flight calls to fail against a dead connection, short
// enough that a caller never waits long for a recovery it cannot have.
constexpr std::chrono::milliseconds kReinitialiseWait{2000};

}  // namespace

TokenRecovery::TokenRecovery(std::shared_ptr<Module> module, CK_SLOT_ID slot, const CK_TOKEN_INFO& info)
    : module_(std::move(module)),
      slot_(slot),
      label_(trim_padded(info.label, sizeof info.label)),
      serial_(trim_padded(info.serialNumber, sizeof info.serialNumber)) {}

Loss TokenRecovery::loss_of(CK_RV rv) const noexcept {
  if (is_login_lost(rv)) return Loss::login;
  if (connection_lost(rv)) return Loss::connection;
  if (is_session_lost(rv)) return Loss::session;
  return Loss::none;
}

void TokenRecovery::throw_unreachable(const Error& e) const {
  throw LayerError(Fault::token_unreachable,
                   "token '" + label_ + "' cannot be reached (" + e.what() +
                       "); sslp11 reconnects on later calls, and keys made before the loss are gone");
}

bool TokenRecovery::reconnect(std::uint64_t seen_epoch, bool nested) {
  if (relocate()) return true;
  const auto wait = nested ? std::chrono::milliseconds(0) : kReinitialiseWait;
  if (!module_->reinitialise(seen_epoch, wait)) return false;
  return relocate();
}

bool TokenRecovery::relocate() {
  std::shared_lock calls(module_->call_lock());
  const Api& api = module_->api();
  const auto same_token = [this](const CK_TOKEN_INFO& ti) {
    return trim_padded(ti.label, sizeof ti.label) == label_ &&
           trim_padded(ti.serialNumber, sizeof ti.serialNumber) == serial_;
  };
  try {
    if (same_token(api.C_GetTokenInfo(slot()))) return true;
  } catch (const Error&) {
    // Gone from that slot; look through the others.
  }
  try {
    for (CK_SLOT_ID id : api.C_GetSlotList(true)) {
      try {
        if (same_token(api.C_GetTokenInfo(id))) {
          slot_.store(id, std::memory_order_release);
          return true;
        }
      } catch (const Error&) {
      }
    }
  } catch (const Error&) {
  }
  return false;
}

}  // namespace sslp11::p11
