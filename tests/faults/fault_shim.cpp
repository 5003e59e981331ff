// A fault- and latency-injecting PKCS#11 module for the fault tests and the
// pool benchmarks (the test rig of issue 17). It forwards every call to a real
// module, counts calls per function, and can
//   - answer a chosen function with a chosen CKR_* after N good calls
//     (CKR_PIN_LOCKED from C_Login, CKR_DEVICE_REMOVED from C_Sign, ...);
//   - answer every call with a chosen CKR_* from now or after N more calls,
//     until told to recover (a cluster member that went away and came back);
//   - on command, hold every call (from now or after N more calls) until told
//     to recover: a member that hangs (a call that never returns, as behind
//     a network HSM whose peer stopped answering without closing);
//   - sleep a fixed plus a uniformly random number of microseconds before
//     forwarding a call (a network HSM). The sleep holds no lock, so calls on
//     many sessions sleep at the same time, as they would wait on a real HSM.
// Faults no real token produces on demand. The tests drive it in-process
// through the extern "C" controls at the end (looked up with dlsym).
//
// Which module it wraps and how slow it is, without recompiling:
//   $SSLP11_FAULT_MODULE       the real module (read by C_GetFunctionList)
//   $SSLP11_FAULT_LATENCY_US   fixed latency per call, microseconds (default 0)
//   $SSLP11_FAULT_JITTER_US    plus uniform random 0..N microseconds (default 0)
//   $SSLP11_FAULT_LATENCY_ON   which calls: "token" (default: every call that
//                              reaches the token, i.e. all but C_GetInfo;
//                              C_GetFunctionList is never slowed), "all", or
//                              a comma list of function names
// or, per instance, a prefix of the init string C_Initialize gets (pReserved;
// sslp11's `init-args`), which wins over the environment:
//   sslp11-fault{module=/path/lib.so latency-us=200 jitter-us=50 latency-on=token}REST
// REST (possibly empty) is what the real module's C_Initialize receives. With
// module= and no $SSLP11_FAULT_MODULE, the real module is loaded in
// C_Initialize. The latency settings are read once, at the first
// C_Initialize (a re-initialisation after a fault keeps what the controls
// set since); the controls change them at any time.
//
// Several independent instances in one process (the members of a pool): copy
// the .so to distinct file names. dlopen() shares one instance per file, so
// each copy has its own counters, faults and latency
// (tests/faults/support/rig_instance.h makes them); give each its module=
// (a copy of the real module too, for independent tokens).
//
// Not 68 hand-written forwarders: one template hook per CK_FUNCTION_LIST
// member, instantiated from the list of member names
// (tests/support/pkcs11_wrapped_module.h).
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

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

// Every call answered with `rv` once the shim's call count reaches `from`.
struct FailAll {
  CK_RV rv = CKR_OK;  // CKR_OK: not failing
  unsigned long from = 0;
};

// Every call held once the shim's call count reaches `from`, until recovered.
struct Hang {
  bool on = false;
  unsigned long from = 0;
};

struct Latency {
  unsigned long fixed_us = 0;
  unsigned long jitter_us = 0;
  std::array<bool, kFunctionCount> on{};
};

std::mutex g_mutex;
std::array<unsigned long, kFunctionCount> g_calls{};
std::array<Fault, kFunctionCount> g_faults{};
unsigned long g_total = 0;
FailAll g_fail_all;
Hang g_hang;
std::condition_variable g_unhang;  // with g_mutex: g_hang ended
std::atomic<long> g_held{0};       // calls held by g_hang now
Latency g_latency;
bool g_configured = false;  // the environment / init-string settings applied
CK_FUNCTION_LIST* g_real = nullptr;
CK_FUNCTION_LIST g_list{};
std::string g_forwarded_init;  // REST of an "sslp11-fault{...}REST" init string

// Calls in flight (sleeping or in the real module) and the most seen at once:
// what shows whether a caller overlaps its calls or serialises them.
std::atomic<long> g_in_flight{0};
std::atomic<long> g_peak_in_flight{0};

// Calls the calling thread made through this instance: which member a
// thread's call went to, when several instances are members of one pool.
thread_local unsigned long t_calls = 0;

std::size_t index_of(std::string_view function) {
  for (std::size_t i = 0; i < kFunctionCount; ++i)
    if (function == kNames[i]) return i;
  return kFunctionCount;
}

// "token", "all", "none" or a comma list of names; false for an unknown name.
bool parse_latency_on(std::string_view spec, std::array<bool, kFunctionCount>& on) {
  std::array<bool, kFunctionCount> result{};
  if (spec.empty() || spec == "token") {
    result.fill(true);
    result[i_C_GetInfo] = false;  // answered by the library, not the token
  } else if (spec == "all") {
    result.fill(true);
  } else if (spec != "none") {
    while (!spec.empty()) {
      const std::size_t comma = spec.find(',');
      const std::size_t i = index_of(spec.substr(0, comma));
      if (i == kFunctionCount) return false;
      result[i] = true;
      spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    }
  }
  on = result;
  return true;
}

// What to do with one call: the CKR_* to answer instead of forwarding (or
// CKR_OK), and how long to sleep first.
struct Verdict {
  CK_RV rv = CKR_OK;
  unsigned long sleep_us = 0;
  bool hang = false;
};

unsigned long jitter(unsigned long max_us) {
  if (max_us == 0) return 0;
  thread_local std::minstd_rand rng(static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
  return std::uniform_int_distribution<unsigned long>(0, max_us)(rng);
}

// Counts the call and decides its verdict.
Verdict before(std::size_t i) {
  std::lock_guard lock(g_mutex);
  const unsigned long n = g_calls[i]++;
  const unsigned long total = g_total++;
  ++t_calls;
  Verdict v;
  if (g_latency.on[i]) v.sleep_us = g_latency.fixed_us + jitter(g_latency.jitter_us);
  v.hang = g_hang.on && total >= g_hang.from;
  if (g_fail_all.rv != CKR_OK && total >= g_fail_all.from) {
    v.rv = g_fail_all.rv;
    return v;
  }
  Fault& f = g_faults[i];
  if (f.rv == CKR_OK || n < f.after) return v;
  if (f.times != 0 && f.given >= f.times) return v;
  ++f.given;
  v.rv = f.rv;
  return v;
}

// Counts a call in flight for its lifetime.
struct InFlight {
  InFlight() {
    const long now = g_in_flight.fetch_add(1, std::memory_order_relaxed) + 1;
    long peak = g_peak_in_flight.load(std::memory_order_relaxed);
    while (now > peak && !g_peak_in_flight.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
  }
  ~InFlight() { g_in_flight.fetch_sub(1, std::memory_order_relaxed); }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
};

// Sleeps (no lock held: concurrent calls wait concurrently) and answers the
// verdict's fault, or forwards.
template <class Forward>
CK_RV answer(std::size_t i, Forward&& forward) {
  InFlight counted;
  const Verdict v = before(i);
  if (v.hang) {
    std::unique_lock lock(g_mutex);
    g_held.fetch_add(1, std::memory_order_relaxed);
    g_unhang.wait(lock, [] { return !g_hang.on; });
    g_held.fetch_sub(1, std::memory_order_relaxed);
  }
  if (v.sleep_us != 0) std::this_thread::sleep_for(std::chrono::microseconds(v.sleep_us));
  if (v.rv != CKR_OK) return v.rv;
  if (g_real == nullptr) return CKR_CRYPTOKI_NOT_INITIALIZED;  // no module= yet
  return forward();
}

template <std::size_t I, auto Member>
struct Hook;
template <std::size_t I, class... A, CK_RV (*CK_FUNCTION_LIST::*Member)(A...)>
struct Hook<I, Member> {
  static CK_RV call(A... args) {
    return answer(I, [&] { return (g_real->*Member)(args...); });
  }
};

unsigned long env_number(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? 0 : std::strtoul(v, nullptr, 10);
}

// The "sslp11-fault{...}" prefix of an init string, applied under g_mutex;
// false (CKR_ARGUMENTS_BAD) for an unknown key, a bad value or a module that
// does not load. `rest` becomes what follows the prefix.
bool apply_init_prefix(std::string_view text, Latency& latency, std::string& rest) {
  constexpr std::string_view kOpen = "sslp11-fault{";
  const std::size_t close = text.find('}');
  if (close == std::string_view::npos) return false;
  std::istringstream fields{std::string(text.substr(kOpen.size(), close - kOpen.size()))};
  rest = std::string(text.substr(close + 1));
  for (std::string field; fields >> field;) {
    const std::size_t eq = field.find('=');
    if (eq == std::string::npos) return false;
    const std::string key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "module") {
      CK_FUNCTION_LIST* module = sslp11::test::load_module_at(value.c_str());
      if (module == nullptr) return false;
      if (g_real != module) g_real = module;  // no write on a re-initialisation: calls may be reading it
    } else if (key == "latency-us") {
      latency.fixed_us = std::strtoul(value.c_str(), nullptr, 10);
    } else if (key == "jitter-us") {
      latency.jitter_us = std::strtoul(value.c_str(), nullptr, 10);
    } else if (key == "latency-on") {
      if (!parse_latency_on(value, latency.on)) return false;
    } else {
      return false;
    }
  }
  return true;
}

// C_Initialize: the first time, the settings of the environment and of an
// "sslp11-fault{...}" init-string prefix; then counted, slowed, faulted and
// forwarded like every call, the prefix removed from the init string.
CK_RV initialize(CK_VOID_PTR raw_args) {
  CK_C_INITIALIZE_ARGS args{};
  if (raw_args != nullptr) args = *static_cast<CK_C_INITIALIZE_ARGS*>(raw_args);
  {
    std::lock_guard lock(g_mutex);
    const char* init = static_cast<const char*>(args.pReserved);
    const bool prefixed = init != nullptr && std::string_view(init).starts_with("sslp11-fault{");
    if (!g_configured) {
      Latency latency;
      latency.fixed_us = env_number("SSLP11_FAULT_LATENCY_US");
      latency.jitter_us = env_number("SSLP11_FAULT_JITTER_US");
      const char* on = std::getenv("SSLP11_FAULT_LATENCY_ON");
      if (!parse_latency_on(on == nullptr ? "" : on, latency.on)) return CKR_ARGUMENTS_BAD;
      if (prefixed && !apply_init_prefix(init, latency, g_forwarded_init)) return CKR_ARGUMENTS_BAD;
      g_latency = latency;
      g_configured = true;
    } else if (prefixed) {
      Latency ignored;  // read once; the module= stays what it was
      if (!apply_init_prefix(init, ignored, g_forwarded_init)) return CKR_ARGUMENTS_BAD;
    }
    if (prefixed) args.pReserved = g_forwarded_init.empty() ? nullptr : g_forwarded_init.data();
  }
  return answer(i_C_Initialize,
                [&] { return g_real->C_Initialize(raw_args == nullptr ? nullptr : &args); });
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST** out) {
  auto hooks = [](CK_FUNCTION_LIST& list) {
#define SSLP11_SHIM_HOOK(name) list.name = &Hook<i_##name, &CK_FUNCTION_LIST::name>::call;
    SSLP11_PKCS11_FUNCTIONS(SSLP11_SHIM_HOOK)
#undef SSLP11_SHIM_HOOK
    list.C_GetFunctionList = &C_GetFunctionList;
    list.C_Initialize = &initialize;
  };
  const char* env = std::getenv("SSLP11_FAULT_MODULE");
  if (out != nullptr && (env == nullptr || *env == '\0')) {
    // No module named in the environment: the hooks now, the real module
    // from C_Initialize's "sslp11-fault{module=...}".
    std::lock_guard lock(g_mutex);
    if (g_list.C_Initialize == nullptr) {
      g_list.version = {2, 40};
      hooks(g_list);
    }
    *out = &g_list;
    return CKR_OK;
  }
  return sslp11::test::wrapped_function_list("SSLP11_FAULT_MODULE", g_mutex, g_real, g_list, out, hooks);
}

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

// No fault armed any more: neither sslp11_fault_set's nor sslp11_fault_fail_all's.
extern "C" __attribute__((visibility("default"))) void sslp11_fault_clear() {
  std::lock_guard lock(g_mutex);
  g_faults = {};
  g_fail_all = {};
  g_hang = {};
  g_unhang.notify_all();
}

// Calls of `function` so far (forwarded or answered with a fault).
extern "C" __attribute__((visibility("default"))) unsigned long sslp11_fault_calls(const char* function) {
  const std::size_t i = index_of(function);
  if (i == kFunctionCount) return 0;
  std::lock_guard lock(g_mutex);
  return g_calls[i];
}

// Every call, of any function, after `after` more calls answers `rv` (the
// member went away) until sslp11_fault_recover or sslp11_fault_clear.
extern "C" __attribute__((visibility("default"))) void sslp11_fault_fail_all(CK_RV rv, unsigned long after) {
  std::lock_guard lock(g_mutex);
  g_fail_all = FailAll{rv, g_total + after};
}

// Ends sslp11_fault_fail_all and sslp11_fault_hang (the member is back; the
// held calls go on to the real module); per-function faults stay.
extern "C" __attribute__((visibility("default"))) void sslp11_fault_recover() {
  std::lock_guard lock(g_mutex);
  g_fail_all = {};
  g_hang = {};
  g_unhang.notify_all();
}

// Every call, of any function, after `after` more calls is held (does not
// return) until sslp11_fault_recover or sslp11_fault_clear.
extern "C" __attribute__((visibility("default"))) void sslp11_fault_hang(unsigned long after) {
  std::lock_guard lock(g_mutex);
  g_hang = Hang{true, g_total + after};
}

// Calls held by sslp11_fault_hang at this moment.
extern "C" __attribute__((visibility("default"))) long sslp11_fault_held_calls() {
  return g_held.load(std::memory_order_relaxed);
}

// Sleep fixed_us + uniform 0..jitter_us before each call of the functions
// `on` names ("token", "all", "none" or a comma list; nullptr: "token").
// Returns 0, or -1 (nothing changed) for an unknown name.
extern "C" __attribute__((visibility("default"))) int sslp11_fault_set_latency(unsigned long fixed_us,
                                                                               unsigned long jitter_us,
                                                                               const char* on) {
  Latency latency{fixed_us, jitter_us, {}};
  if (!parse_latency_on(on == nullptr ? "" : on, latency.on)) return -1;
  std::lock_guard lock(g_mutex);
  g_latency = latency;
  g_configured = true;  // a later first C_Initialize keeps this
  return 0;
}

// Calls of every function so far.
extern "C" __attribute__((visibility("default"))) unsigned long sslp11_fault_total_calls() {
  std::lock_guard lock(g_mutex);
  return g_total;
}

// Calls the calling thread has made through this instance so far.
extern "C" __attribute__((visibility("default"))) unsigned long sslp11_fault_thread_calls() { return t_calls; }

// The most calls in flight at once since the last reset (a call is in
// flight from entry, through its sleep, until the real module returns).
extern "C" __attribute__((visibility("default"))) long sslp11_fault_peak_in_flight() {
  return g_peak_in_flight.load(std::memory_order_relaxed);
}

extern "C" __attribute__((visibility("default"))) void sslp11_fault_reset_peak() {
  g_peak_in_flight.store(g_in_flight.load(std::memory_order_relaxed), std::memory_order_relaxed);
}
