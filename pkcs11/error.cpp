#include "pkcs11/error.h"

namespace sslp11::p11 {

namespace {
std::string describe(CK_RV rv, std::string_view function, std::string_view context) {
  const RvInfo& info = rv_info(rv);
  std::string msg(function);
  msg += " failed: ";
  msg += info.name;
  msg += " (";
  msg += info.meaning;
  msg += ")";
  if (!context.empty()) {
    msg += " while ";
    msg += context;
  }
  return msg;
}
}  // namespace

Error::Error(CK_RV rv, std::string_view function, std::string_view context)
    : std::runtime_error(describe(rv, function, context)), rv_(rv), function_(function) {}

bool is_session_lost(CK_RV rv) noexcept {
  switch (rv) {
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
      return true;
    default:
      return false;
  }
}

bool is_connection_lost(CK_RV rv) noexcept {
  switch (rv) {
    case CKR_DEVICE_ERROR:  // p11-kit-client's answer to everything once its server is gone
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_CRYPTOKI_NOT_INITIALIZED:
    case CKR_SLOT_ID_INVALID:  // after re-initialising, until the server is back
      return true;
    default:
      return false;
  }
}

bool is_login_lost(CK_RV rv) noexcept { return rv == CKR_USER_NOT_LOGGED_IN; }

}  // namespace sslp11::p11
