// The PKCS#11 layer's own error language: a failed call with its CKR_* code
// (p11::Error), the table naming every CKR_* code, and the layer's failures
// that are no CKR code (p11::LayerError with a p11::Fault). What the Ssl* API
// returns for each is decided once, in src/abi/status_translation.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "pkcs11/cryptoki.h"

// CKR_AEAD_DECRYPT_FAILED is PKCS#11 3.0; p11-kit 0.24 does not define it.
#ifndef CKR_AEAD_DECRYPT_FAILED
#define CKR_AEAD_DECRYPT_FAILED (0x35UL)
#endif

namespace sslp11::p11 {

struct RvInfo {
  CK_RV rv;
  std::string_view name;     // "CKR_PIN_INCORRECT"
  std::string_view meaning;  // one human sentence, never secret-bearing
};

// Lookup in the single CKR table; an unknown code gets the row "CKR_(unknown)".
const RvInfo& rv_info(CK_RV rv);
std::string_view rv_name(CK_RV rv);
// Every row of the table, sorted by code, for tests and `sslp11-admin doctor`.
std::span<const RvInfo> rv_table();

// Thrown by the PKCS#11 layer. The message names the call and the code, plus
// optional context chosen by the caller; it must never include PINs or key bytes.
class Error : public std::runtime_error {
 public:
  Error(CK_RV rv, std::string_view function, std::string_view context = {});
  CK_RV rv() const noexcept { return rv_; }
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
class LayerError : public std::runtime_error {
 public:
  LayerError(Fault fault, const std::string& what) : std::runtime_error(what), fault_(fault) {}
  Fault fault() const noexcept { return fault_; }

 private:
  Fault fault_;
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
// True for codes that, once the single-token recovery has had its go, mean a
// pool member is gone and its keys with it (core/token_pool.h): removed,
// device failure, token absent, sessions invalid or closed.
bool is_member_down(CK_RV rv) noexcept;

}  // namespace sslp11::p11
