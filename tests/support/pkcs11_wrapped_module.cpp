#include "support/pkcs11_wrapped_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string>

namespace sslp11::test {

namespace {
CK_FUNCTION_LIST* g_real = nullptr;
std::string g_target;
}  // namespace

CK_FUNCTION_LIST* load_wrapped_module(const char* env_var) { return load_module_at(std::getenv(env_var)); }

CK_FUNCTION_LIST* load_module_at(const char* target) {
  if (target == nullptr || *target == '\0') return nullptr;
  if (g_real == nullptr || g_target != target) {
    void* dl = dlopen(target, RTLD_NOW | RTLD_LOCAL);  // never closed, like sslp11's own modules
    if (dl == nullptr) return nullptr;
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(dl, "C_GetFunctionList"));
    CK_FUNCTION_LIST* real = nullptr;
    if (get == nullptr || get(&real) != CKR_OK || real == nullptr) return nullptr;
    g_real = real;
    g_target = target;
  }
  return g_real;
}

}  // namespace sslp11::test
