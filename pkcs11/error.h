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

// What went wrong in the PKCS#11 layer when it is not the CKR code of one
// call. The C boundary (src/abi) turns each into the status the API returns.
enum class Fault {
  out_of_memory,      // the host ran out of memory
  bad_argument,       // a PKCS#11 URI or module path the layer cannot use
  token_not_found,    // no token matched the selection
  token_unreachable,  // the token does not answer, has no user PIN, or every session stayed busy
  module_not_found,   // the module file could not be loaded
  not_a_module,       // the file loaded but is no PKCS#11 module
  pin_rejected,       // the token rejected the PIN (or another provider logged in with another)
  login_required,     // the token needs a login and no PIN source is configured
  forked,             // the session pool belongs to the parent process
  object_lost,        // a token object went with the session that made it
};

// A failure that is not a CKR code (no token matched, module would not load...).
// TRANSITION: the Status constructor goes once every thrower names a Fault.
class LayerError : public std::runtime_error {
 public:
  LayerError(Fault fault, const std::string& what) : std::runtime_error(what), fault_(fault) {}
  LayerError(Status status, const std::string& what) : std::runtime_error(what), status_(status) {}
  Fault fault() const noexcept { return fault_; }
  Status status() const noexcept { return status_; }

 private:
  Fault fault_ = Fault::token_unreachable;
  Status status_ = 0;
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
