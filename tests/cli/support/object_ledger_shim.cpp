// A PKCS#11 module for the pool-key tests that sees what a child process
// (sslp11-admin) does with objects, where the test process cannot: the
// session objects of another process are invisible to it. Forwards every call
// to the real module named by $SSLP11_LEDGER_MODULE and appends one line per
// object made or destroyed to the file $SSLP11_LEDGER_FILE:
//   made HANDLE token|session FUNCTION
//   destroyed HANDLE
// $SSLP11_LEDGER_FAIL names one function (C_UnwrapKey, ...) answered with
// CKR_DEVICE_ERROR instead of being forwarded: a failure midway through the
// ceremony, after the key-encryption key exists.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "support/pkcs11_wrapped_module.h"

namespace {

std::mutex g_mutex;
CK_FUNCTION_LIST* g_real = nullptr;
CK_FUNCTION_LIST g_list{};

template <auto Member>
struct Forward;
template <class... A, CK_RV (*CK_FUNCTION_LIST::*Member)(A...)>
struct Forward<Member> {
  static CK_RV call(A... args) { return (g_real->*Member)(args...); }
};

bool failing(const char* function) {
  const char* fail = std::getenv("SSLP11_LEDGER_FAIL");
  return fail != nullptr && std::strcmp(fail, function) == 0;
}

void note(const char* line) {
  const char* path = std::getenv("SSLP11_LEDGER_FILE");
  if (path == nullptr) return;
  std::lock_guard lock(g_mutex);
  if (FILE* f = std::fopen(path, "a")) {
    std::fputs(line, f);
    std::fclose(f);
  }
}

void made(const char* function, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) {
  CK_BBOOL token = CK_FALSE;
  CK_ATTRIBUTE a{CKA_TOKEN, &token, sizeof token};
  g_real->C_GetAttributeValue(s, o, &a, 1);
  char line[128];
  std::snprintf(line, sizeof line, "made %lu %s %s\n", static_cast<unsigned long>(o),
                token == CK_TRUE ? "token" : "session", function);
  note(line);
}

CK_RV destroy_object(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) {
  const CK_RV rv = g_real->C_DestroyObject(s, o);
  if (rv == CKR_OK) {
    char line[64];
    std::snprintf(line, sizeof line, "destroyed %lu\n", static_cast<unsigned long>(o));
    note(line);
  }
  return rv;
}

CK_RV create_object(CK_SESSION_HANDLE s, CK_ATTRIBUTE* t, CK_ULONG n, CK_OBJECT_HANDLE* out) {
  if (failing("C_CreateObject")) return CKR_DEVICE_ERROR;
  const CK_RV rv = g_real->C_CreateObject(s, t, n, out);
  if (rv == CKR_OK) made("C_CreateObject", s, *out);
  return rv;
}

CK_RV generate_key(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_ATTRIBUTE* t, CK_ULONG n, CK_OBJECT_HANDLE* out) {
  if (failing("C_GenerateKey")) return CKR_DEVICE_ERROR;
  const CK_RV rv = g_real->C_GenerateKey(s, m, t, n, out);
  if (rv == CKR_OK) made("C_GenerateKey", s, *out);
  return rv;
}

CK_RV generate_key_pair(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_ATTRIBUTE* pub_t, CK_ULONG pub_n, CK_ATTRIBUTE* priv_t,
                        CK_ULONG priv_n, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
  if (failing("C_GenerateKeyPair")) return CKR_DEVICE_ERROR;
  const CK_RV rv = g_real->C_GenerateKeyPair(s, m, pub_t, pub_n, priv_t, priv_n, pub, priv);
  if (rv == CKR_OK) {
    made("C_GenerateKeyPair", s, *pub);
    made("C_GenerateKeyPair", s, *priv);
  }
  return rv;
}

CK_RV derive_key(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE base, CK_ATTRIBUTE* t, CK_ULONG n,
                 CK_OBJECT_HANDLE* out) {
  if (failing("C_DeriveKey")) return CKR_DEVICE_ERROR;
  const CK_RV rv = g_real->C_DeriveKey(s, m, base, t, n, out);
  if (rv == CKR_OK && out != nullptr) made("C_DeriveKey", s, *out);
  return rv;
}

CK_RV unwrap_key(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE unwrapping, CK_BYTE* wrapped,
                 CK_ULONG wrapped_len, CK_ATTRIBUTE* t, CK_ULONG n, CK_OBJECT_HANDLE* out) {
  if (failing("C_UnwrapKey")) return CKR_DEVICE_ERROR;
  const CK_RV rv = g_real->C_UnwrapKey(s, m, unwrapping, wrapped, wrapped_len, t, n, out);
  if (rv == CKR_OK) made("C_UnwrapKey", s, *out);
  return rv;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST** out) {
  auto hooks = [](CK_FUNCTION_LIST& list) {
#define SSLP11_LEDGER_FORWARD(name) list.name = &Forward<&CK_FUNCTION_LIST::name>::call;
    SSLP11_PKCS11_FUNCTIONS(SSLP11_LEDGER_FORWARD)
#undef SSLP11_LEDGER_FORWARD
    list.C_GetFunctionList = &C_GetFunctionList;
    list.C_CreateObject = &create_object;
    list.C_DestroyObject = &destroy_object;
    list.C_GenerateKey = &generate_key;
    list.C_GenerateKeyPair = &generate_key_pair;
    list.C_DeriveKey = &derive_key;
    list.C_UnwrapKey = &unwrap_key;
  };
  return sslp11::test::wrapped_function_list("SSLP11_LEDGER_MODULE", g_mutex, g_real, g_list, out, hooks);
}
