// A recording PKCS#11 module for the object-attribute test (record_shim.h):
// forwards every call to the real module named by $SSLP11_RECORD_MODULE and
// records each object made, destroyed, re-labelled or wrapped through it,
// with the attributes the real module reports for it right after its
// creation. Built like tests/faults/fault_shim.cpp: one template forwarder
// per CK_FUNCTION_LIST member, hand-written hooks for the calls it watches.
#include "secrets/support/record_shim.h"

#include <string.h>  // explicit_bzero

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "support/pkcs11_wrapped_module.h"

namespace {

constexpr std::size_t kRandomSlots = 32;
constexpr std::size_t kRandomBytes = 48;  // a TLS pre-master

struct Live {
  CK_SESSION_HANDLE session;
  std::string function;
  CK_MECHANISM_TYPE mechanism;
  bool has_mechanism;
  std::string role;
};

std::mutex g_mutex;
CK_FUNCTION_LIST* g_real = nullptr;
CK_FUNCTION_LIST g_list{};
std::vector<sslp11_record_event> g_events;
std::map<CK_OBJECT_HANDLE, Live> g_live;
std::map<CK_SESSION_HANDLE, CK_SLOT_ID> g_sessions;
std::atomic<unsigned long> g_step{0};
unsigned long g_seq = 0;

// C_GenerateRandom copies (static: never a freed heap block).
bool g_capture = false;
unsigned char g_random[kRandomSlots][kRandomBytes];
std::size_t g_random_count = 0;

template <auto Member>
struct Forward;
template <class... A, CK_RV (*CK_FUNCTION_LIST::*Member)(A...)>
struct Forward<Member> {
  static CK_RV call(A... args) { return (g_real->*Member)(args...); }
};

void copy_name(char* out, std::size_t size, const std::string& s) { std::snprintf(out, size, "%s", s.c_str()); }

int read_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, CK_RV& worst) {
  CK_BBOOL v = CK_FALSE;
  CK_ATTRIBUTE a{t, &v, sizeof v};
  const CK_RV rv = g_real->C_GetAttributeValue(s, o, &a, 1);
  if (rv == CKR_OBJECT_HANDLE_INVALID || rv == CKR_SESSION_HANDLE_INVALID) worst = rv;
  if (rv != CKR_OK || a.ulValueLen != sizeof v) return -1;
  return v == CK_TRUE ? 1 : 0;
}

bool read_ulong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, CK_ULONG& out, CK_RV& worst) {
  CK_ULONG v = 0;
  CK_ATTRIBUTE a{t, &v, sizeof v};
  const CK_RV rv = g_real->C_GetAttributeValue(s, o, &a, 1);
  if (rv == CKR_OBJECT_HANDLE_INVALID || rv == CKR_SESSION_HANDLE_INVALID) worst = rv;
  if (rv != CKR_OK || a.ulValueLen != sizeof v) return false;
  out = v;
  return true;
}

// One attribute at a time, so an attribute the object lacks (CKA_VALUE_LEN of
// a private key) does not hide the others.
sslp11_record_attrs read_attrs(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_RV& worst) {
  sslp11_record_attrs r{};
  worst = CKR_OK;
  r.has_cls = read_ulong(s, o, CKA_CLASS, r.cls, worst);
  r.has_key_type = read_ulong(s, o, CKA_KEY_TYPE, r.key_type, worst);
  r.has_value_len = read_ulong(s, o, CKA_VALUE_LEN, r.value_len, worst);
  r.sensitive = read_bool(s, o, CKA_SENSITIVE, worst);
  r.extractable = read_bool(s, o, CKA_EXTRACTABLE, worst);
  r.token = read_bool(s, o, CKA_TOKEN, worst);
  return r;
}

int template_bool(const CK_ATTRIBUTE* t, CK_ULONG n, CK_ATTRIBUTE_TYPE type) {
  for (CK_ULONG i = 0; t != nullptr && i < n; ++i) {
    if (t[i].type == type && t[i].pValue != nullptr && t[i].ulValueLen == sizeof(CK_BBOOL)) {
      return *static_cast<const CK_BBOOL*>(t[i].pValue) == CK_TRUE ? 1 : 0;
    }
  }
  return -1;
}

int value_all_zero(const CK_ATTRIBUTE* t, CK_ULONG n) {
  for (CK_ULONG i = 0; t != nullptr && i < n; ++i) {
    if (t[i].type != CKA_VALUE || t[i].pValue == nullptr || t[i].ulValueLen == 0) continue;
    const auto* p = static_cast<const unsigned char*>(t[i].pValue);
    unsigned char any = 0;
    for (CK_ULONG j = 0; j < t[i].ulValueLen; ++j) any |= p[j];
    return any == 0 ? 1 : 0;
  }
  return 0;
}

sslp11_record_event base_event(int kind, const char* function, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) {
  sslp11_record_event e{};
  e.step = g_step.load();
  e.kind = kind;
  copy_name(e.function, sizeof e.function, function);
  e.session = s;
  e.handle = o;
  e.t_sensitive = e.t_extractable = e.t_token = -1;
  e.attrs.sensitive = e.attrs.extractable = e.attrs.token = -1;
  return e;
}

void push(sslp11_record_event e) {  // under g_mutex
  e.seq = g_seq++;
  g_events.push_back(e);
}

// After a successful creation: read the object and record it as live.
void created(const char* function, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, const CK_MECHANISM* mech, const char* role,
             const CK_ATTRIBUTE* tmpl, CK_ULONG count, bool with_value) {
  if (o == CK_INVALID_HANDLE) return;
  sslp11_record_event e = base_event(SSLP11_RECORD_CREATED, function, s, o);
  if (mech != nullptr) {
    e.mechanism = mech->mechanism;
    e.has_mechanism = 1;
  }
  copy_name(e.role, sizeof e.role, role);
  e.attrs = read_attrs(s, o, e.read_rv);
  e.t_sensitive = template_bool(tmpl, count, CKA_SENSITIVE);
  e.t_extractable = template_bool(tmpl, count, CKA_EXTRACTABLE);
  e.t_token = template_bool(tmpl, count, CKA_TOKEN);
  if (with_value) e.value_all_zero = value_all_zero(tmpl, count);
  std::lock_guard lock(g_mutex);
  push(e);
  g_live[o] = Live{s, function, e.mechanism, e.has_mechanism != 0, role};
}

void gone(CK_OBJECT_HANDLE o, const Live& live, const char* why) {  // under g_mutex
  sslp11_record_event e = base_event(SSLP11_RECORD_GONE, why, live.session, o);
  e.mechanism = live.mechanism;
  e.has_mechanism = live.has_mechanism;
  copy_name(e.role, sizeof e.role, live.role);
  push(e);
}

// Objects of sessions that closed are destroyed with them.
void sessions_closed(bool all, CK_SESSION_HANDLE s, CK_SLOT_ID slot) {  // under g_mutex
  for (auto it = g_live.begin(); it != g_live.end();) {
    auto session = g_sessions.find(it->second.session);
    const bool closed = all ? (session == g_sessions.end() || session->second == slot) : it->second.session == s;
    if (closed) {
      gone(it->first, it->second, all ? "C_CloseAllSessions" : "C_CloseSession");
      it = g_live.erase(it);
    } else {
      ++it;
    }
  }
  if (all) {
    for (auto it = g_sessions.begin(); it != g_sessions.end();) it = it->second == slot ? g_sessions.erase(it) : ++it;
  } else {
    g_sessions.erase(s);
  }
}

// ---- The watched calls ----

CK_RV finalize(void* reserved) {
  const CK_RV rv = g_real->C_Finalize(reserved);
  if (rv == CKR_OK) {
    std::lock_guard lock(g_mutex);
    for (const auto& [o, live] : g_live) gone(o, live, "C_Finalize");
    g_live.clear();
    g_sessions.clear();
  }
  return rv;
}

CK_RV open_session(CK_SLOT_ID slot, CK_FLAGS flags, void* app, CK_NOTIFY notify, CK_SESSION_HANDLE* out) {
  const CK_RV rv = g_real->C_OpenSession(slot, flags, app, notify, out);
  if (rv == CKR_OK && out != nullptr) {
    std::lock_guard lock(g_mutex);
    g_sessions[*out] = slot;
  }
  return rv;
}

CK_RV close_session(CK_SESSION_HANDLE s) {
  const CK_RV rv = g_real->C_CloseSession(s);
  if (rv == CKR_OK) {
    std::lock_guard lock(g_mutex);
    sessions_closed(false, s, 0);
  }
  return rv;
}

CK_RV close_all_sessions(CK_SLOT_ID slot) {
  const CK_RV rv = g_real->C_CloseAllSessions(slot);
  if (rv == CKR_OK) {
    std::lock_guard lock(g_mutex);
    sessions_closed(true, 0, slot);
  }
  return rv;
}

CK_RV create_object(CK_SESSION_HANDLE s, CK_ATTRIBUTE* t, CK_ULONG n, CK_OBJECT_HANDLE* out) {
  const CK_RV rv = g_real->C_CreateObject(s, t, n, out);
  if (rv == CKR_OK && out != nullptr) created("C_CreateObject", s, *out, nullptr, "", t, n, true);
  return rv;
}

CK_RV copy_object(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE from, CK_ATTRIBUTE* t, CK_ULONG n, CK_OBJECT_HANDLE* out) {
  const CK_RV rv = g_real->C_CopyObject(s, from, t, n, out);
  if (rv == CKR_OK && out != nullptr) created("C_CopyObject", s, *out, nullptr, "", t, n, false);
  return rv;
}

CK_RV destroy_object(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o) {
  const CK_RV rv = g_real->C_DestroyObject(s, o);
  if (rv == CKR_OK) {
    std::lock_guard lock(g_mutex);
    sslp11_record_event e = base_event(SSLP11_RECORD_DESTROYED, "C_DestroyObject", s, o);
    if (auto it = g_live.find(o); it != g_live.end()) {
      e.mechanism = it->second.mechanism;
      e.has_mechanism = it->second.has_mechanism;
      copy_name(e.role, sizeof e.role, it->second.role);
      g_live.erase(it);
    }
    push(e);
  }
  return rv;
}

CK_RV set_attribute_value(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE* t, CK_ULONG n) {
  const CK_RV rv = g_real->C_SetAttributeValue(s, o, t, n);
  if (rv == CKR_OK) {
    std::lock_guard lock(g_mutex);
    sslp11_record_event e = base_event(SSLP11_RECORD_SET, "C_SetAttributeValue", s, o);
    e.t_sensitive = template_bool(t, n, CKA_SENSITIVE);
    e.t_extractable = template_bool(t, n, CKA_EXTRACTABLE);
    e.t_token = template_bool(t, n, CKA_TOKEN);
    push(e);
  }
  return rv;
}

CK_RV wrap_key(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key, CK_BYTE* out,
               CK_ULONG* out_len) {
  const CK_RV rv = g_real->C_WrapKey(s, m, wrapping, key, out, out_len);
  if (rv == CKR_OK && out != nullptr) {
    std::lock_guard lock(g_mutex);
    sslp11_record_event e = base_event(SSLP11_RECORD_WRAPPED, "C_WrapKey", s, key);
    if (m != nullptr) {
      e.mechanism = m->mechanism;
      e.has_mechanism = 1;
    }
    push(e);
  }
  return rv;
}

CK_RV generate_key(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_ATTRIBUTE* t, CK_ULONG n, CK_OBJECT_HANDLE* out) {
  const CK_RV rv = g_real->C_GenerateKey(s, m, t, n, out);
  if (rv == CKR_OK && out != nullptr) created("C_GenerateKey", s, *out, m, "", t, n, false);
  return rv;
}

CK_RV generate_key_pair(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_ATTRIBUTE* pub_t, CK_ULONG pub_n, CK_ATTRIBUTE* priv_t,
                        CK_ULONG priv_n, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
  const CK_RV rv = g_real->C_GenerateKeyPair(s, m, pub_t, pub_n, priv_t, priv_n, pub, priv);
  if (rv == CKR_OK) {
    if (pub != nullptr) created("C_GenerateKeyPair", s, *pub, m, "public", pub_t, pub_n, false);
    if (priv != nullptr) created("C_GenerateKeyPair", s, *priv, m, "private", priv_t, priv_n, false);
  }
  return rv;
}

bool returns_key_material(CK_MECHANISM_TYPE m) {
  return m == CKM_TLS12_KEY_AND_MAC_DERIVE || m == CKM_TLS_KEY_AND_MAC_DERIVE || m == CKM_SSL3_KEY_AND_MAC_DERIVE;
}

CK_RV derive_key(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE base, CK_ATTRIBUTE* t, CK_ULONG n,
                 CK_OBJECT_HANDLE* out) {
  const CK_RV rv = g_real->C_DeriveKey(s, m, base, t, n, out);
  if (rv != CKR_OK) return rv;
  if (m != nullptr && returns_key_material(m->mechanism) && m->pParameter != nullptr) {
    const CK_SSL3_KEY_MAT_OUT* k =
        m->mechanism == CKM_TLS12_KEY_AND_MAC_DERIVE
            ? static_cast<const CK_TLS12_KEY_MAT_PARAMS*>(m->pParameter)->pReturnedKeyMaterial
            : static_cast<const CK_SSL3_KEY_MAT_PARAMS*>(m->pParameter)->pReturnedKeyMaterial;
    if (k != nullptr) {
      created("C_DeriveKey", s, k->hClientMacSecret, m, "client MAC", t, n, false);
      created("C_DeriveKey", s, k->hServerMacSecret, m, "server MAC", t, n, false);
      created("C_DeriveKey", s, k->hClientKey, m, "client key", t, n, false);
      created("C_DeriveKey", s, k->hServerKey, m, "server key", t, n, false);
    }
  }
  if (out != nullptr) created("C_DeriveKey", s, *out, m, "", t, n, false);
  return rv;
}

CK_RV unwrap_key(CK_SESSION_HANDLE s, CK_MECHANISM* m, CK_OBJECT_HANDLE unwrapping, CK_BYTE* wrapped,
                 CK_ULONG wrapped_len, CK_ATTRIBUTE* t, CK_ULONG n, CK_OBJECT_HANDLE* out) {
  const CK_RV rv = g_real->C_UnwrapKey(s, m, unwrapping, wrapped, wrapped_len, t, n, out);
  if (rv == CKR_OK && out != nullptr) created("C_UnwrapKey", s, *out, m, "", t, n, false);
  return rv;
}

CK_RV generate_random(CK_SESSION_HANDLE s, CK_BYTE* out, CK_ULONG len) {
  const CK_RV rv = g_real->C_GenerateRandom(s, out, len);
  if (rv == CKR_OK && out != nullptr && len == kRandomBytes) {
    std::lock_guard lock(g_mutex);
    if (g_capture && g_random_count < kRandomSlots) {
      for (std::size_t i = 0; i < kRandomBytes; ++i) g_random[g_random_count][i] = out[i];
      ++g_random_count;
    }
  }
  return rv;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST** out) {
  auto hooks = [](CK_FUNCTION_LIST& list) {
#define SSLP11_RECORD_FORWARD(name) list.name = &Forward<&CK_FUNCTION_LIST::name>::call;
    SSLP11_PKCS11_FUNCTIONS(SSLP11_RECORD_FORWARD)
#undef SSLP11_RECORD_FORWARD
    list.C_GetFunctionList = &C_GetFunctionList;
    list.C_Finalize = &finalize;
    list.C_OpenSession = &open_session;
    list.C_CloseSession = &close_session;
    list.C_CloseAllSessions = &close_all_sessions;
    list.C_CreateObject = &create_object;
    list.C_CopyObject = &copy_object;
    list.C_DestroyObject = &destroy_object;
    list.C_SetAttributeValue = &set_attribute_value;
    list.C_WrapKey = &wrap_key;
    list.C_GenerateKey = &generate_key;
    list.C_GenerateKeyPair = &generate_key_pair;
    list.C_DeriveKey = &derive_key;
    list.C_UnwrapKey = &unwrap_key;
    list.C_GenerateRandom = &generate_random;
  };
  return sslp11::test::wrapped_function_list("SSLP11_RECORD_MODULE", g_mutex, g_real, g_list, out, hooks);
}

// ---- Controls for the tests ----

#define SSLP11_RECORD_API extern "C" __attribute__((visibility("default")))

// Events from now on carry `step`.
SSLP11_RECORD_API void sslp11_record_step(unsigned long step) { g_step.store(step); }

// Reads every live object again (a READBACK event each; GONE when the token no
// longer has it).
SSLP11_RECORD_API void sslp11_record_readback() {
  std::lock_guard lock(g_mutex);
  if (g_real == nullptr) return;
  for (auto it = g_live.begin(); it != g_live.end();) {
    CK_SESSION_HANDLE s = it->second.session;
    if (g_sessions.count(s) == 0 && !g_sessions.empty()) s = g_sessions.begin()->first;  // any session sees it
    sslp11_record_event e = base_event(SSLP11_RECORD_READBACK, it->second.function.c_str(), s, it->first);
    e.mechanism = it->second.mechanism;
    e.has_mechanism = it->second.has_mechanism;
    copy_name(e.role, sizeof e.role, it->second.role);
    e.attrs = read_attrs(s, it->first, e.read_rv);
    if (e.read_rv == CKR_OBJECT_HANDLE_INVALID) {
      gone(it->first, it->second, "readback");
      it = g_live.erase(it);
      continue;
    }
    push(e);
    ++it;
  }
}

SSLP11_RECORD_API unsigned long sslp11_record_count() {
  std::lock_guard lock(g_mutex);
  return g_events.size();
}

// Copies event `i`; 0, or -1 when there is no such event.
SSLP11_RECORD_API int sslp11_record_get(unsigned long i, sslp11_record_event* out) {
  std::lock_guard lock(g_mutex);
  if (out == nullptr || i >= g_events.size()) return -1;
  *out = g_events[i];
  return 0;
}

// Forgets the events (not the live objects).
SSLP11_RECORD_API void sslp11_record_clear() {
  std::lock_guard lock(g_mutex);
  g_events.clear();
  g_events.shrink_to_fit();
}

// The sessions open now (at most `cap` written to `out`); their number.
SSLP11_RECORD_API unsigned long sslp11_record_sessions(CK_SESSION_HANDLE* out, unsigned long cap) {
  std::lock_guard lock(g_mutex);
  unsigned long n = 0;
  for (const auto& [s, slot] : g_sessions) {
    if (out != nullptr && n < cap) out[n] = s;
    ++n;
  }
  return n;
}

// Starts (1) or stops (0) keeping 48-byte C_GenerateRandom outputs; either way
// wipes the ones kept so far.
SSLP11_RECORD_API void sslp11_record_capture_random(int on) {
  std::lock_guard lock(g_mutex);
  explicit_bzero(g_random, sizeof g_random);
  g_random_count = 0;
  g_capture = on != 0;
}

// Copies kept output `i` (48 bytes) into `out`; 0, or -1 when there is none.
SSLP11_RECORD_API int sslp11_record_random(unsigned long i, unsigned char* out) {
  std::lock_guard lock(g_mutex);
  if (out == nullptr || i >= g_random_count) return -1;
  for (std::size_t j = 0; j < kRandomBytes; ++j) out[j] = g_random[i][j];
  return 0;
}
