// A failed PKCS#11 call, carrying the CKR_* code, and the one table that turns
// CKR_* codes into the SECURITY_STATUS the Ssl* API returns.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "pkcs11/cryptoki.h"

namespace sslp11::p11 {

using Status = std::int32_t;  // SECURITY_STATUS (LONG)

struct RvInfo {
  CK_RV rv;
  std::string_view name;     // "CKR_PIN_INCORRECT"
  Status status;             // NTE_* / SEC_E_* the API returns for it
  std::string_view meaning;  // one human sentence, never secret-bearing
};

// Lookup in the single CKR -> status table; unknown codes map to NTE_INTERNAL_ERROR.
const RvInfo& rv_info(CK_RV rv);
Status status_for(CK_RV rv);
std::string_view rv_name(CK_RV rv);
// Every row of the table, for tests and `sslp11-admin doctor`.
std::span<const RvInfo> rv_table();

// Thrown by the PKCS#11 layer. The message names the call and the code, plus
// optional context chosen by the caller; it must never include PINs or key bytes.
class Error : public std::runtime_error {
 public:
  Error(CK_RV rv, std::string_view function, std::string_view context = {});
  CK_RV rv() const noexcept { return rv_; }
  Status status() const noexcept { return status_for(rv_); }
  const std::string& function() const noexcept { return function_; }

 private:
  CK_RV rv_;
  std::string function_;
};

// A failure that is not a CKR code (no token matched, module would not load...).
// Carries the SECURITY_STATUS directly.
class LayerError : public std::runtime_error {
 public:
  LayerError(Status status, const std::string& what) : std::runtime_error(what), status_(status) {}
  Status status() const noexcept { return status_; }

 private:
  Status status_;
};

// True for codes that mean "this session (or the whole token connection) is
// gone": the pool throws the session away and may retry on a fresh one.
bool is_session_lost(CK_RV rv) noexcept;
// True for codes that may mean the module lost the token altogether (removed,
// remote server gone, module uninitialised under us): the pool checks whether
// the token still answers and, if not, re-initialises the module.
bool is_connection_lost(CK_RV rv) noexcept;
// True for codes after which the login state must be re-established.
bool is_login_lost(CK_RV rv) noexcept;

}  // namespace sslp11::p11
