#include "pkcs11/error.h"

#include <algorithm>
#include <array>

namespace sslp11::p11 {

namespace {

constexpr std::array<RvInfo, 95> kRows{{
    {CKR_OK, "CKR_OK", "success"},
    {CKR_CANCEL, "CKR_CANCEL", "the operation was cancelled"},
    {CKR_HOST_MEMORY, "CKR_HOST_MEMORY", "the PKCS#11 library ran out of host memory"},
    {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID", "no such slot"},
    {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR", "the module reported an unrecoverable error"},
    {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED", "the token could not perform the function"},
    {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD", "the module rejected the call's arguments"},
    {CKR_NO_EVENT, "CKR_NO_EVENT", "no slot event pending"},
    {CKR_NEED_TO_CREATE_THREADS, "CKR_NEED_TO_CREATE_THREADS", "the module needs to create threads and may not"},
    {CKR_CANT_LOCK, "CKR_CANT_LOCK", "the module cannot do the locking sslp11 requires"},
    {CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY", "the token refused to set a read-only attribute"},
    {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE", "the attribute is sensitive and cannot be read"},
    {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID", "the token does not know an attribute sslp11 uses"},
    {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID", "the token refused an attribute value sslp11 uses"},
    {CKR_ACTION_PROHIBITED, "CKR_ACTION_PROHIBITED", "the token's policy prohibits the action"},
    {CKR_DATA_INVALID, "CKR_DATA_INVALID", "the input data is invalid"},
    {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE", "the input data has an invalid length"},
    {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR", "the token reported a device error"},
    {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY", "the token ran out of memory"},
    {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED", "the token was removed or the connection to it was lost"},
    {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID", "the ciphertext is invalid"},
    {CKR_ENCRYPTED_DATA_LEN_RANGE, "CKR_ENCRYPTED_DATA_LEN_RANGE", "the ciphertext has an invalid length"},
    {CKR_AEAD_DECRYPT_FAILED, "CKR_AEAD_DECRYPT_FAILED", "the authentication tag did not verify"},
    {CKR_FUNCTION_CANCELED, "CKR_FUNCTION_CANCELED", "the function was cancelled"},
    {CKR_FUNCTION_NOT_PARALLEL, "CKR_FUNCTION_NOT_PARALLEL", "the function cannot run in parallel"},
    {CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED", "the module does not implement the function"},
    {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID", "the key handle is not valid on the token"},
    {CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE", "the key size is outside what the token supports for this mechanism"},
    {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT", "the key type does not fit the mechanism"},
    {CKR_KEY_NOT_NEEDED, "CKR_KEY_NOT_NEEDED", "a key was supplied where none is needed"},
    {CKR_KEY_CHANGED, "CKR_KEY_CHANGED", "the key changed since it was last used"},
    {CKR_KEY_NEEDED, "CKR_KEY_NEEDED", "the operation needs a key that was not supplied"},
    {CKR_KEY_INDIGESTIBLE, "CKR_KEY_INDIGESTIBLE", "the key cannot be digested"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED", "the key's attributes do not permit this use"},
    {CKR_KEY_NOT_WRAPPABLE, "CKR_KEY_NOT_WRAPPABLE", "the key cannot be wrapped"},
    {CKR_KEY_UNEXTRACTABLE, "CKR_KEY_UNEXTRACTABLE", "the key is not extractable"},
    {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID", "the token does not support the mechanism"},
    {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID", "the token rejected the mechanism parameters"},
    {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID", "the object handle is not valid on the token"},
    {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE", "another operation is active on the session"},
    {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED", "no operation is active on the session"},
    {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT", "the PIN is incorrect"},
    {CKR_PIN_INVALID, "CKR_PIN_INVALID", "the PIN contains invalid characters"},
    {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE", "the PIN length is outside the token's range"},
    {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED", "the PIN has expired"},
    {CKR_PIN_LOCKED, "CKR_PIN_LOCKED", "the PIN is locked"},
    {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED", "the session was closed"},
    {CKR_SESSION_COUNT, "CKR_SESSION_COUNT", "the token has no more sessions available"},
    {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID", "the session handle is no longer valid"},
    {CKR_SESSION_PARALLEL_NOT_SUPPORTED, "CKR_SESSION_PARALLEL_NOT_SUPPORTED", "the module does not support parallel sessions"},
    {CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY", "the session is read-only"},
    {CKR_SESSION_EXISTS, "CKR_SESSION_EXISTS", "a session is already open on the token"},
    {CKR_SESSION_READ_ONLY_EXISTS, "CKR_SESSION_READ_ONLY_EXISTS", "a read-only session already exists"},
    {CKR_SESSION_READ_WRITE_SO_EXISTS, "CKR_SESSION_READ_WRITE_SO_EXISTS", "a security-officer session already exists"},
    {CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID", "the signature or MAC did not verify"},
    {CKR_SIGNATURE_LEN_RANGE, "CKR_SIGNATURE_LEN_RANGE", "the signature or MAC has an invalid length"},
    {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE", "the token needs attributes sslp11 did not give"},
    {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT", "the token found sslp11's attribute template inconsistent"},
    {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT", "the token is not present"},
    {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED", "the token is not recognised by the module"},
    {CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED", "the token is write-protected"},
    {CKR_UNWRAPPING_KEY_HANDLE_INVALID, "CKR_UNWRAPPING_KEY_HANDLE_INVALID", "the unwrapping key handle is not valid"},
    {CKR_UNWRAPPING_KEY_SIZE_RANGE, "CKR_UNWRAPPING_KEY_SIZE_RANGE", "the unwrapping key size is out of range"},
    {CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT", "the unwrapping key type does not fit the mechanism"},
    {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN", "the user is already logged in"},
    {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN", "the user is not logged in to the token"},
    {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED", "the token has no user PIN set"},
    {CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID", "invalid user type"},
    {CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "CKR_USER_ANOTHER_ALREADY_LOGGED_IN", "another user is already logged in"},
    {CKR_USER_TOO_MANY_TYPES, "CKR_USER_TOO_MANY_TYPES", "too many user types are logged in"},
    {CKR_WRAPPED_KEY_INVALID, "CKR_WRAPPED_KEY_INVALID", "the wrapped key is invalid"},
    {CKR_WRAPPED_KEY_LEN_RANGE, "CKR_WRAPPED_KEY_LEN_RANGE", "the wrapped key has an invalid length"},
    {CKR_WRAPPING_KEY_HANDLE_INVALID, "CKR_WRAPPING_KEY_HANDLE_INVALID", "the wrapping key handle is not valid"},
    {CKR_WRAPPING_KEY_SIZE_RANGE, "CKR_WRAPPING_KEY_SIZE_RANGE", "the wrapping key size is out of range"},
    {CKR_WRAPPING_KEY_TYPE_INCONSISTENT, "CKR_WRAPPING_KEY_TYPE_INCONSISTENT", "the wrapping key type does not fit the mechanism"},
    {CKR_RANDOM_SEED_NOT_SUPPORTED, "CKR_RANDOM_SEED_NOT_SUPPORTED", "the token's RNG does not accept a seed"},
    {CKR_RANDOM_NO_RNG, "CKR_RANDOM_NO_RNG", "the token has no random number generator"},
    {CKR_DOMAIN_PARAMS_INVALID, "CKR_DOMAIN_PARAMS_INVALID", "the domain parameters are invalid"},
    {CKR_CURVE_NOT_SUPPORTED, "CKR_CURVE_NOT_SUPPORTED", "the token does not support the curve"},
    {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL", "the output buffer is too small"},
    {CKR_SAVED_STATE_INVALID, "CKR_SAVED_STATE_INVALID", "the saved operation state is invalid"},
    {CKR_INFORMATION_SENSITIVE, "CKR_INFORMATION_SENSITIVE", "the requested information is sensitive"},
    {CKR_STATE_UNSAVEABLE, "CKR_STATE_UNSAVEABLE", "the operation state cannot be saved"},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED", "the module is not initialised"},
    {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED", "the module was already initialised by someone else"},
    {CKR_MUTEX_BAD, "CKR_MUTEX_BAD", "bad mutex object"},
    {CKR_MUTEX_NOT_LOCKED, "CKR_MUTEX_NOT_LOCKED", "mutex not locked"},
    {CKR_NEW_PIN_MODE, "CKR_NEW_PIN_MODE", "the token asks for a new PIN mode sslp11 does not support"},
    {CKR_NEXT_OTP, "CKR_NEXT_OTP", "the token asks for a one-time password"},
    {CKR_EXCEEDED_MAX_ITERATIONS, "CKR_EXCEEDED_MAX_ITERATIONS", "the token exceeded its iteration limit"},
    {CKR_FIPS_SELF_TEST_FAILED, "CKR_FIPS_SELF_TEST_FAILED", "the token failed its FIPS self-test"},
    {CKR_LIBRARY_LOAD_FAILED, "CKR_LIBRARY_LOAD_FAILED", "the module could not load a library it needs"},
    {CKR_PIN_TOO_WEAK, "CKR_PIN_TOO_WEAK", "the PIN is too weak"},
    {CKR_PUBLIC_KEY_INVALID, "CKR_PUBLIC_KEY_INVALID", "the public key is invalid"},
    {CKR_FUNCTION_REJECTED, "CKR_FUNCTION_REJECTED", "the token rejected the function"},
}};

// Sorted at compile time so lookups can binary-search whatever order the rows are written in.
constexpr auto kTable = [] {
  auto table = kRows;
  std::sort(table.begin(), table.end(), [](const RvInfo& a, const RvInfo& b) { return a.rv < b.rv; });
  return table;
}();

constexpr RvInfo kUnknown{~0UL, "CKR_(unknown)", "the module returned an unknown error code"};

}  // namespace

const RvInfo& rv_info(CK_RV rv) {
  const auto it = std::lower_bound(kTable.begin(), kTable.end(), rv,
                                   [](const RvInfo& row, CK_RV v) { return row.rv < v; });
  if (it != kTable.end() && it->rv == rv) return *it;
  return kUnknown;
}

std::string_view rv_name(CK_RV rv) { return rv_info(rv).name; }
std::span<const RvInfo> rv_table() { return kTable; }

bool is_member_down(CK_RV rv) noexcept {
  switch (rv) {
    case CKR_DEVICE_REMOVED:
    case CKR_DEVICE_ERROR:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_CRYPTOKI_NOT_INITIALIZED:  // the module was finalised under us
      return true;
    default:
      return false;
  }
}

}  // namespace sslp11::p11
