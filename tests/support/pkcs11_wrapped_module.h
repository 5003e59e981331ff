// Shared by the PKCS#11 shims the tests put between sslp11 and a real token
// (tests/faults/fault_shim.cpp, tests/secrets/support/record_shim.cpp): the
// CK_FUNCTION_LIST member names as an X-macro, the real module the shim
// forwards to, named by an environment variable, and the shim's
// C_GetFunctionList around it.
//
// Compiled into each shim (a SHARED library with hidden visibility, see the
// CMakeLists.txt next to it), so every shim has its own copy of what
// pkcs11_wrapped_module.cpp keeps.
#pragma once

#include <mutex>

#include "pkcs11/cryptoki.h"

// Every CK_FUNCTION_LIST member, in order: X(C_Initialize) ... X(C_WaitForSlotEvent).
// clang-format off
#define SSLP11_PKCS11_FUNCTIONS(X)                                                                              \
  X(C_Initialize) X(C_Finalize) X(C_GetInfo) X(C_GetFunctionList) X(C_GetSlotList) X(C_GetSlotInfo)            \
  X(C_GetTokenInfo) X(C_GetMechanismList) X(C_GetMechanismInfo) X(C_InitToken) X(C_InitPIN) X(C_SetPIN)       \
  X(C_OpenSession) X(C_CloseSession) X(C_CloseAllSessions) X(C_GetSessionInfo) X(C_GetOperationState)         \
  X(C_SetOperationState) X(C_Login) X(C_Logout) X(C_CreateObject) X(C_CopyObject) X(C_DestroyObject)          \
  X(C_GetObjectSize) X(C_GetAttributeValue) X(C_SetAttributeValue) X(C_FindObjectsInit) X(C_FindObjects)      \
  X(C_FindObjectsFinal) X(C_EncryptInit) X(C_Encrypt) X(C_EncryptUpdate) X(C_EncryptFinal) X(C_DecryptInit)   \
  X(C_Decrypt) X(C_DecryptUpdate) X(C_DecryptFinal) X(C_DigestInit) X(C_Digest) X(C_DigestUpdate)             \
  X(C_DigestKey) X(C_DigestFinal) X(C_SignInit) X(C_Sign) X(C_SignUpdate) X(C_SignFinal) X(C_SignRecoverInit) \
  X(C_SignRecover) X(C_VerifyInit) X(C_Verify) X(C_VerifyUpdate) X(C_VerifyFinal) X(C_VerifyRecoverInit)      \
  X(C_VerifyRecover) X(C_DigestEncryptUpdate) X(C_DecryptDigestUpdate) X(C_SignEncryptUpdate)                 \
  X(C_DecryptVerifyUpdate) X(C_GenerateKey) X(C_GenerateKeyPair) X(C_WrapKey) X(C_UnwrapKey) X(C_DeriveKey)   \
  X(C_SeedRandom) X(C_GenerateRandom) X(C_GetFunctionStatus) X(C_CancelFunction) X(C_WaitForSlotEvent)
// clang-format on

namespace sslp11::test {

// The function list of the module named by $env_var: dlopen()ed (never
// closed, like sslp11's own modules) and asked with C_GetFunctionList the
// first time, and again whenever $env_var names another module. nullptr when
// the variable is unset or empty or the module does not load. Not
// thread-safe: the shim calls it under its own lock.
CK_FUNCTION_LIST* load_wrapped_module(const char* env_var);
// The same for the module at `path` (what load_wrapped_module does with the
// variable's value): for a shim told its module another way.
CK_FUNCTION_LIST* load_module_at(const char* path);

// A shim's C_GetFunctionList: under `mutex`, the module named by $env_var
// (load_wrapped_module); when it is not `real` yet, `real` becomes it and
// `list` a copy of its list that hook(list) then points at the shim's own
// functions. *out = &list. CKR_GENERAL_ERROR when no module loads.
template <class Hook>
CK_RV wrapped_function_list(const char* env_var, std::mutex& mutex, CK_FUNCTION_LIST*& real, CK_FUNCTION_LIST& list,
                            CK_FUNCTION_LIST** out, Hook&& hook) {
  if (out == nullptr) return CKR_ARGUMENTS_BAD;
  std::lock_guard lock(mutex);
  CK_FUNCTION_LIST* module = load_wrapped_module(env_var);
  if (module == nullptr) return CKR_GENERAL_ERROR;
  if (module != real) {
    real = module;
    list = *module;
    hook(list);
  }
  *out = &list;
  return CKR_OK;
}

}  // namespace sslp11::test
