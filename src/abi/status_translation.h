// The one place that turns the layers' own errors into the SECURITY_STATUS an
// Ssl* function returns: a CKR_* code of a failed token call, a p11::Fault of
// the PKCS#11 layer, a core::Fault of the key schedule and record layer.
// guarded() (abi/guard.h) asks here for every exception it catches.
#pragma once

#include <span>

#include <sslp11/wintypes.h>

#include "core/error.h"
#include "pkcs11/error.h"

namespace sslp11::abi {

struct CkrStatus {
  CK_RV rv;
  SECURITY_STATUS status;
};

// Every row of the CKR_* -> status table, sorted by code: one row for each
// row of p11::rv_table(), no more, no fewer (the unit test holds them together).
std::span<const CkrStatus> ckr_status_table() noexcept;

// The status for a CKR_* code; a code sslp11 does not know is NTE_INTERNAL_ERROR.
SECURITY_STATUS status_for(CK_RV rv) noexcept;
SECURITY_STATUS status_for(p11::Fault fault) noexcept;
SECURITY_STATUS status_for(core::Fault fault) noexcept;

SECURITY_STATUS status_for(const p11::Error& e) noexcept;
SECURITY_STATUS status_for(const p11::LayerError& e) noexcept;
SECURITY_STATUS status_for(const core::Error& e) noexcept;

}  // namespace sslp11::abi
