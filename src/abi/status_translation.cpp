#include "abi/status_translation.h"

#include <algorithm>
#include <array>

#include <sslp11/winerror.h>

namespace sslp11::abi {

namespace {

// What the API returns for each CKR_* code a token call can fail with. The
// names and meanings of the codes are PKCS#11 knowledge (pkcs11/error_table.cpp);
// only the choice of status is the API's, and it is made here.
//
// Objects gone: a caller never passes a PKCS#11 handle, only sslp11's own,
// which are checked before any token call; so a token that calls one of the
// objects behind them invalid has lost it (its session ended, e.g. closed by
// a token restart the pool has not noticed yet). That is the key's state, as
// for a key whose lost session the pool did notice (Fault::object_lost).
constexpr std::array<CkrStatus, 95> kCkrRows{{
    {CKR_OK, ERROR_SUCCESS},
    {CKR_CANCEL, NTE_USER_CANCELLED},
    {CKR_HOST_MEMORY, NTE_NO_MEMORY},
    {CKR_SLOT_ID_INVALID, NTE_DEVICE_NOT_FOUND},
    {CKR_GENERAL_ERROR, NTE_INTERNAL_ERROR},
    {CKR_FUNCTION_FAILED, NTE_FAIL},
    {CKR_ARGUMENTS_BAD, NTE_INVALID_PARAMETER},
    {CKR_NO_EVENT, NTE_NO_MORE_ITEMS},
    {CKR_NEED_TO_CREATE_THREADS, NTE_PROVIDER_DLL_FAIL},
    {CKR_CANT_LOCK, NTE_PROVIDER_DLL_FAIL},
    {CKR_ATTRIBUTE_READ_ONLY, NTE_NOT_SUPPORTED},
    {CKR_ATTRIBUTE_SENSITIVE, NTE_PERM},
    {CKR_ATTRIBUTE_TYPE_INVALID, NTE_NOT_SUPPORTED},
    {CKR_ATTRIBUTE_VALUE_INVALID, NTE_NOT_SUPPORTED},
    {CKR_ACTION_PROHIBITED, NTE_PERM},
    {CKR_DATA_INVALID, NTE_BAD_DATA},
    {CKR_DATA_LEN_RANGE, NTE_BAD_DATA},
    {CKR_DEVICE_ERROR, NTE_INTERNAL_ERROR},
    {CKR_DEVICE_MEMORY, NTE_NO_MEMORY},
    {CKR_DEVICE_REMOVED, NTE_DEVICE_NOT_READY},
    {CKR_ENCRYPTED_DATA_INVALID, NTE_DECRYPTION_FAILURE},
    {CKR_ENCRYPTED_DATA_LEN_RANGE, NTE_DECRYPTION_FAILURE},
    {CKR_AEAD_DECRYPT_FAILED, NTE_DECRYPTION_FAILURE},
    {CKR_FUNCTION_CANCELED, NTE_USER_CANCELLED},
    {CKR_FUNCTION_NOT_PARALLEL, NTE_NOT_SUPPORTED},
    {CKR_FUNCTION_NOT_SUPPORTED, NTE_NOT_SUPPORTED},
    {CKR_KEY_HANDLE_INVALID, NTE_BAD_KEY_STATE},  // an object sslp11 made is gone (above)
    {CKR_KEY_SIZE_RANGE, NTE_NOT_SUPPORTED},
    {CKR_KEY_TYPE_INCONSISTENT, NTE_BAD_KEY},
    {CKR_KEY_NOT_NEEDED, NTE_BAD_KEY},
    {CKR_KEY_CHANGED, NTE_BAD_KEY_STATE},
    {CKR_KEY_NEEDED, NTE_BAD_KEY},
    {CKR_KEY_INDIGESTIBLE, NTE_BAD_KEY},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, NTE_BAD_KEY},
    {CKR_KEY_NOT_WRAPPABLE, NTE_PERM},
    {CKR_KEY_UNEXTRACTABLE, NTE_PERM},
    {CKR_MECHANISM_INVALID, NTE_NOT_SUPPORTED},
    {CKR_MECHANISM_PARAM_INVALID, NTE_INVALID_PARAMETER},
    {CKR_OBJECT_HANDLE_INVALID, NTE_BAD_KEY_STATE},  // an object sslp11 made is gone (above)
    {CKR_OPERATION_ACTIVE, NTE_INTERNAL_ERROR},
    {CKR_OPERATION_NOT_INITIALIZED, NTE_INTERNAL_ERROR},
    {CKR_PIN_INCORRECT, NTE_INCORRECT_PASSWORD},
    {CKR_PIN_INVALID, NTE_INCORRECT_PASSWORD},
    {CKR_PIN_LEN_RANGE, NTE_INVALID_PARAMETER},
    {CKR_PIN_EXPIRED, NTE_PASSWORD_CHANGE_REQUIRED},
    {CKR_PIN_LOCKED, NTE_PERM},
    {CKR_SESSION_CLOSED, NTE_DEVICE_NOT_READY},
    {CKR_SESSION_COUNT, NTE_NO_MEMORY},
    {CKR_SESSION_HANDLE_INVALID, NTE_DEVICE_NOT_READY},
    {CKR_SESSION_PARALLEL_NOT_SUPPORTED, NTE_NOT_SUPPORTED},
    {CKR_SESSION_READ_ONLY, NTE_PERM},
    {CKR_SESSION_EXISTS, NTE_EXISTS},
    {CKR_SESSION_READ_ONLY_EXISTS, NTE_EXISTS},
    {CKR_SESSION_READ_WRITE_SO_EXISTS, NTE_EXISTS},
    {CKR_SIGNATURE_INVALID, NTE_BAD_SIGNATURE},
    {CKR_SIGNATURE_LEN_RANGE, NTE_BAD_SIGNATURE},
    {CKR_TEMPLATE_INCOMPLETE, NTE_NOT_SUPPORTED},
    {CKR_TEMPLATE_INCONSISTENT, NTE_NOT_SUPPORTED},
    {CKR_TOKEN_NOT_PRESENT, NTE_DEVICE_NOT_READY},
    {CKR_TOKEN_NOT_RECOGNIZED, NTE_DEVICE_NOT_FOUND},
    {CKR_TOKEN_WRITE_PROTECTED, NTE_PERM},
    {CKR_UNWRAPPING_KEY_HANDLE_INVALID, NTE_BAD_KEY_STATE},  // an object sslp11 made is gone (above)
    {CKR_UNWRAPPING_KEY_SIZE_RANGE, NTE_BAD_KEY},
    {CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, NTE_BAD_KEY},
    {CKR_USER_ALREADY_LOGGED_IN, NTE_EXISTS},
    {CKR_USER_NOT_LOGGED_IN, NTE_PERM},
    {CKR_USER_PIN_NOT_INITIALIZED, NTE_DEVICE_NOT_READY},
    {CKR_USER_TYPE_INVALID, NTE_INVALID_PARAMETER},
    {CKR_USER_ANOTHER_ALREADY_LOGGED_IN, NTE_PERM},
    {CKR_USER_TOO_MANY_TYPES, NTE_PERM},
    {CKR_WRAPPED_KEY_INVALID, NTE_BAD_DATA},
    {CKR_WRAPPED_KEY_LEN_RANGE, NTE_BAD_DATA},
    {CKR_WRAPPING_KEY_HANDLE_INVALID, NTE_BAD_KEY_STATE},  // an object sslp11 made is gone (above)
    {CKR_WRAPPING_KEY_SIZE_RANGE, NTE_BAD_KEY},
    {CKR_WRAPPING_KEY_TYPE_INCONSISTENT, NTE_BAD_KEY},
    {CKR_RANDOM_SEED_NOT_SUPPORTED, NTE_NOT_SUPPORTED},
    {CKR_RANDOM_NO_RNG, NTE_NOT_SUPPORTED},
    {CKR_DOMAIN_PARAMS_INVALID, NTE_INVALID_PARAMETER},
    {CKR_CURVE_NOT_SUPPORTED, NTE_NOT_SUPPORTED},
    {CKR_BUFFER_TOO_SMALL, NTE_BUFFER_TOO_SMALL},
    {CKR_SAVED_STATE_INVALID, NTE_INTERNAL_ERROR},
    {CKR_INFORMATION_SENSITIVE, NTE_PERM},
    {CKR_STATE_UNSAVEABLE, NTE_INTERNAL_ERROR},
    {CKR_CRYPTOKI_NOT_INITIALIZED, NTE_DEVICE_NOT_READY},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, NTE_INTERNAL_ERROR},
    {CKR_MUTEX_BAD, NTE_INTERNAL_ERROR},
    {CKR_MUTEX_NOT_LOCKED, NTE_INTERNAL_ERROR},
    {CKR_NEW_PIN_MODE, NTE_NOT_SUPPORTED},
    {CKR_NEXT_OTP, NTE_NOT_SUPPORTED},
    {CKR_EXCEEDED_MAX_ITERATIONS, NTE_FAIL},
    {CKR_FIPS_SELF_TEST_FAILED, NTE_DEVICE_NOT_READY},
    {CKR_LIBRARY_LOAD_FAILED, NTE_PROVIDER_DLL_FAIL},
    {CKR_PIN_TOO_WEAK, NTE_INVALID_PARAMETER},
    {CKR_PUBLIC_KEY_INVALID, NTE_BAD_PUBLIC_KEY},
    {CKR_FUNCTION_REJECTED, NTE_PERM},
}};

// Sorted at compile time so lookups can binary-search whatever order the rows are written in.
constexpr auto kCkrTable = [] {
  auto table = kCkrRows;
  std::sort(table.begin(), table.end(), [](const CkrStatus& a, const CkrStatus& b) { return a.rv < b.rv; });
  return table;
}();

}  // namespace

std::span<const CkrStatus> ckr_status_table() noexcept { return kCkrTable; }

SECURITY_STATUS status_for(CK_RV rv) noexcept {
  const auto it = std::lower_bound(kCkrTable.begin(), kCkrTable.end(), rv,
                                   [](const CkrStatus& row, CK_RV v) { return row.rv < v; });
  if (it != kCkrTable.end() && it->rv == rv) return it->status;
  return NTE_INTERNAL_ERROR;
}

SECURITY_STATUS status_for(p11::Fault fault) noexcept {
  switch (fault) {
    case p11::Fault::out_of_memory: return NTE_NO_MEMORY;
    case p11::Fault::bad_argument: return NTE_INVALID_PARAMETER;
    case p11::Fault::token_not_found: return NTE_DEVICE_NOT_FOUND;
    case p11::Fault::token_unreachable: return NTE_DEVICE_NOT_READY;
    case p11::Fault::module_not_found: return NTE_PROV_DLL_NOT_FOUND;
    case p11::Fault::not_a_module: return NTE_PROVIDER_DLL_FAIL;
    case p11::Fault::pin_rejected: return NTE_INCORRECT_PASSWORD;
    case p11::Fault::login_required: return NTE_PERM;
    case p11::Fault::forked: return NTE_INVALID_HANDLE;
    case p11::Fault::object_lost: return NTE_BAD_KEY_STATE;
  }
  return NTE_INTERNAL_ERROR;
}

SECURITY_STATUS status_for(core::Fault fault) noexcept {
  switch (fault) {
    case core::Fault::bad_data: return NTE_BAD_DATA;
    case core::Fault::bad_key_state: return NTE_BAD_KEY_STATE;
    case core::Fault::bad_signature: return NTE_BAD_SIGNATURE;
    case core::Fault::buffer_too_small: return NTE_BUFFER_TOO_SMALL;
    case core::Fault::decryption_failed: return NTE_DECRYPTION_FAILURE;
    case core::Fault::invalid_parameter: return NTE_INVALID_PARAMETER;
    case core::Fault::wrong_key: return NTE_INVALID_HANDLE;
    case core::Fault::not_found: return NTE_NOT_FOUND;
    case core::Fault::not_supported: return NTE_NOT_SUPPORTED;
    case core::Fault::operation_failed: return NTE_FAIL;
    case core::Fault::internal: return NTE_INTERNAL_ERROR;
  }
  return NTE_INTERNAL_ERROR;
}

SECURITY_STATUS status_for(const p11::Error& e) noexcept { return status_for(e.rv()); }

SECURITY_STATUS status_for(const p11::LayerError& e) noexcept {
  return status_for(e.fault());
}

SECURITY_STATUS status_for(const core::Error& e) noexcept { return status_for(e.fault()); }

}  // namespace sslp11::abi
