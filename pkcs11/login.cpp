#include "pkcs11/login.h"

#include <map>
#include <utility>

#include "pkcs11/error.h"

namespace sslp11::p11 {

namespace {

// Login state belongs to the token, not to one UserLogin: once one logged in,
// C_Login from another answers CKR_USER_ALREADY_LOGGED_IN without looking at
// its PIN. To still catch a wrong PIN there, remember which PIN logged each
// (module, slot) in and compare against it.
struct FirstLogin {
  std::weak_ptr<const void> owner;
  Pin pin;
};
using LoginKey = std::pair<const Module*, CK_SLOT_ID>;

std::mutex g_registry_mutex;
std::map<LoginKey, FirstLogin>& registry() {
  static std::map<LoginKey, FirstLogin> m;
  return m;
}

// Constant time in the contents, so the comparison says nothing about the PIN.
bool same_pin(const Pin& a, const Pin& b) {
  const auto x = a.bytes();
  const auto y = b.bytes();
  if (x.size() != y.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < x.size(); ++i) diff |= static_cast<unsigned char>(x[i] ^ y[i]);
  return diff == 0;
}

bool is_user_state(CK_STATE state) noexcept {
  return state == CKS_RW_USER_FUNCTIONS || state == CKS_RO_USER_FUNCTIONS;
}

}  // namespace

bool is_pin_rejected(CK_RV rv) noexcept {
  switch (rv) {
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_LOCKED:
    case CKR_PIN_EXPIRED:
      return true;
    default:
      return false;
  }
}

UserLogin::UserLogin(const Module& module, Pin pin)
    : module_(&module), identity_(std::make_shared<const int>(0)), pin_(std::move(pin)) {}

UserLogin::~UserLogin() = default;

void UserLogin::remember(CK_SLOT_ID slot) {
  std::lock_guard lock(g_registry_mutex);
  auto& first = registry()[{module_, slot}];
  if (first.owner.expired()) first = FirstLogin{identity_, pin_.clone()};
}

void UserLogin::check_same_pin_as_first_login(CK_SLOT_ID slot) {
  std::lock_guard lock(g_registry_mutex);
  const auto it = registry().find({module_, slot});
  if (it == registry().end() || it->second.owner.expired()) return;
  if (!same_pin(it->second.pin, pin_)) {
    pin_rejected_ = true;
    throw LayerError(Fault::pin_rejected,
                     "the token is already logged in by another sslp11 provider with a different user PIN; this "
                     "PIN was not accepted");
  }
}

void UserLogin::ensure(const Api& api, CK_SESSION_HANDLE session, CK_SLOT_ID slot, bool after_loss) {
  std::lock_guard guard(mutex_);
  if (pin_rejected_) {
    throw LayerError(Fault::pin_rejected,
                     "the token rejected the configured user PIN earlier; sslp11 does not retry a rejected PIN "
                     "(that could lock it) — fix the PIN source and reopen the provider");
  }
  if (!after_loss) {
    // Login state is per token: another session may already have done it.
    if (is_user_state(api.C_GetSessionInfo(session).state)) {
      check_same_pin_as_first_login(slot);
      logged_in_ = true;
      return;
    }
  }
  logged_in_ = false;
  if (pin_.empty()) {
    throw LayerError(Fault::login_required, "the token requires a user login and no PIN source is configured");
  }
  try {
    api.C_Login(session, CKU_USER, pin_.bytes());
    remember(slot);
    logged_in_ = true;
  } catch (const Error& e) {
    if (e.rv() == CKR_USER_ALREADY_LOGGED_IN) {
      check_same_pin_as_first_login(slot);
      logged_in_ = true;
      return;
    }
    if (is_pin_rejected(e.rv())) pin_rejected_ = true;
    throw;
  }
}

void UserLogin::set_pin(Pin pin) {
  std::lock_guard guard(mutex_);
  pin_ = std::move(pin);
  pin_rejected_ = false;
}

}  // namespace sslp11::p11
