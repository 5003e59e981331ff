// A fault-injecting PKCS#11 module for the fault tests. It forwards every call
// to the real module named by $SSLP11_FAULT_MODULE, counts calls per function,
// and can answer a chosen function with a chosen CKR_* after N good calls
// (CKR_PIN_LOCKED from C_Login, CKR_DEVICE_REMOVED from C_Sign, ...): faults
// no real token produces on demand. The tests drive it in-process through the
// extern "C" controls at the end (looked up with dlsym).
//
// Not 68 hand-written forwarders: one template hook per CK_FUNCTION_LIST
// member, instantiated from the list of member names
// (tests/support/pkcs11_wrapped_module.h).
#include <array>
#include <cstring>
#include <mutex>

#include "pkcs11/cryptoki.h"
#include "support/pkcs11_wrapped_module.h"

namespace {

enum Index : std::size_t {
#define SSLP11_SHIM_INDEX(name) i_##name,
  SSLP11_PKCS11_FUNCTIONS(SSLP11_SHIM_INDEX)
#undef SSLP11_SHIM_INDEX
      kFunctionCount
};

constexpr std::array<const char*, kFunctionCount> kNames{
#define SSLP11_SHIM_NAME(name) #name,
    SSLP11_PKCS11_FUNCTIONS(SSLP11_SHIM_NAME)
#undef SSLP11_SHIM_NAME
};

struct Fault {
  CK_RV rv = CKR_OK;       // CKR_OK: no fault armed
  unsigned long after = 0;  // good calls to let through first
  unsigned long times = 0;  // faulty answers to give; 0 = for ever
  unsigned long given = 0;
};

std::mutex g_mutex;
std::array<unsigned long, kFunctionCount> g_calls{};
std::array<Fault, kFunctionCount> g_faults{};
CK_FUNCTION_LIST* g_real = nullptr;
CK_FUNCTION_LIST g_list{};

// Counts the call; the CKR_* to answer instead of forwarding, or CKR_OK.
CK_RV before(std::size_t i) {
  std::lock_guard lock(g_mutex);
  const unsigned long n = g_calls[i]++;
  Fault& f = g_faults[i];
  if (f.rv == CKR_OK || n < f.after) return CKR_OK;
  if (f.times != 0 && f.given >= f.times) return CKR_OK;
  ++f.given;
  return f.rv;
}

template <std::size_t I, auto Member>
struct Hook;
template <std::size_t I, class... A, CK_RV (*CK_FUNCTION_LIST::*Member)(A...)>
struct Hook<I, Member> {
  static CK_RV call(A... args) {
    if (const CK_RV rv = before(I); rv != CKR_OK) return rv;
    return (g_real->*Member)(args...);
  }
};

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST** out) {
  auto hooks = [](CK_FUNCTION_LIST& list) {
#define SSLP11_SHIM_HOOK(name) list.name = &Hook<i_##name, &CK_FUNCTION_LIST::name>::call;
    SSLP11_PKCS11_FUNCTIONS(SSLP11_SHIM_HOOK)
#undef SSLP11_SHIM_HOOK
    list.C_GetFunctionList = &C_GetFunctionList;
  };
  return sslp11::test::wrapped_function_list("SSLP11_FAULT_MODULE", g_mutex, g_real, g_list, out, hooks);
}

namespace {

std::size_t index_of(const char* function) {
  for (std::size_t i = 0; i < kFunctionCount; ++i)
    if (std::strcmp(kNames[i], function) == 0) return i;
  return kFunctionCount;
}

}  // namespace

// ---- Controls for the tests ----

// From now on, after `after` more good calls of `function`, answer `rv` to the
// next `times` calls (0: to every one). Returns 0, or -1 for an unknown name.
extern "C" __attribute__((visibility("default"))) int sslp11_fault_set(const char* function, CK_RV rv,
                                                                       unsigned long after, unsigned long times) {
  const std::size_t i = index_of(function);
  if (i == kFunctionCount) return -1;
  std::lock_guard lock(g_mutex);
  g_faults[i] = Fault{rv, g_calls[i] + after, times, 0};
  return 0;
}

extern "C" __attribute__((visibility("default"))) void sslp11_fault_clear() {
  std::lock_guard lock(g_mutex);
  g_faults = {};
}

// Calls of `function` so far (forwarded or answered with a fault).
extern "C" __attribute__((visibility("default"))) unsigned long sslp11_fault_calls(const char* function) {
  const std::size_t i = index_of(function);
  if (i == kFunctionCount) return 0;
  std::lock_guard lock(g_mutex);
  return g_calls[i];
}
