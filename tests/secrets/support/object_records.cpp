#include "secrets/support/object_records.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>

#include "pkcs11/capabilities.h"

namespace sslp11::secretstest {

namespace {

// Loads the shim on first use (the same instance the provider loads later:
// one path, one link map) and keeps it loaded, as sslp11 keeps its modules.
template <class F>
F control(const char* name) {
  static void* dl = [] {
    void* h = dlopen(SSLP11_RECORD_SHIM_PATH, RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) throw std::runtime_error(std::string("cannot load the recording shim: ") + dlerror());
    return h;
  }();
  auto f = reinterpret_cast<F>(dlsym(dl, name));
  if (f == nullptr) throw std::logic_error(std::string("the recording shim has no ") + name);
  return f;
}

std::string hex_ulong(CK_ULONG v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(v));
  return buf;
}

// A constant's own name (from a table of {value, "NAME"}), else `other` and its value in hex.
struct Named {
  CK_ULONG value;
  const char* name;
};
#define SSLP11_NAMED(constant) Named{constant, #constant}

std::string name_in(std::initializer_list<Named> table, CK_ULONG v, const char* other) {
  for (const Named& n : table)
    if (n.value == v) return n.name;
  return other + hex_ulong(v);
}

std::string class_name(CK_ULONG c) {
  return name_in({SSLP11_NAMED(CKO_SECRET_KEY), SSLP11_NAMED(CKO_PRIVATE_KEY), SSLP11_NAMED(CKO_PUBLIC_KEY),
                  SSLP11_NAMED(CKO_CERTIFICATE), SSLP11_NAMED(CKO_DATA)},
                 c, "class ");
}

std::string key_type_name(CK_ULONG t) {
  return name_in({SSLP11_NAMED(CKK_GENERIC_SECRET), SSLP11_NAMED(CKK_AES), SSLP11_NAMED(CKK_CHACHA20),
                  SSLP11_NAMED(CKK_EC), SSLP11_NAMED(CKK_DH), SSLP11_NAMED(CKK_RSA), SSLP11_NAMED(CKK_SHA256_HMAC)},
                 t, "key type ");
}

#undef SSLP11_NAMED

std::string flag(const char* name, int v) {
  return std::string(name) + "=" + (v < 0 ? std::string("?") : std::to_string(v));
}

}  // namespace

std::string recorder_path() { return SSLP11_RECORD_SHIM_PATH; }

test::TokenSpec through_recorder(const test::TokenSpec& real) {
  setenv("SSLP11_RECORD_MODULE", real.module_path.c_str(), 1);
  test::TokenSpec s = real;
  s.module_path = recorder_path();
  return s;
}

namespace recorder {

void step(unsigned long step) { control<void (*)(unsigned long)>("sslp11_record_step")(step); }

void readback() { control<void (*)()>("sslp11_record_readback")(); }

std::vector<ObjectEvent> events() {
  const auto count = control<unsigned long (*)()>("sslp11_record_count");
  const auto get = control<int (*)(unsigned long, sslp11_record_event*)>("sslp11_record_get");
  std::vector<ObjectEvent> out;
  const unsigned long n = count();
  out.reserve(n);
  for (unsigned long i = 0; i < n; ++i) {
    ObjectEvent e{};
    if (get(i, &e) != 0) break;
    out.push_back(e);
  }
  return out;
}

void clear() { control<void (*)()>("sslp11_record_clear")(); }

void capture_random(bool on) { control<void (*)(int)>("sslp11_record_capture_random")(on ? 1 : 0); }

std::vector<Bytes> randoms() {
  const auto get = control<int (*)(unsigned long, unsigned char*)>("sslp11_record_random");
  std::vector<Bytes> out;
  for (unsigned long i = 0;; ++i) {
    Bytes r(48);
    if (get(i, r.data()) != 0) break;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<CK_SESSION_HANDLE> sessions() {
  const auto get = control<unsigned long (*)(CK_SESSION_HANDLE*, unsigned long)>("sslp11_record_sessions");
  std::vector<CK_SESSION_HANDLE> out(get(nullptr, 0) + 8);
  out.resize(std::min<std::size_t>(out.size(), get(out.data(), static_cast<unsigned long>(out.size()))));
  return out;
}

}  // namespace recorder

std::string describe_attrs(const sslp11_record_attrs& a) {
  std::string s = a.has_cls ? class_name(a.cls) : std::string("class ?");
  if (a.has_key_type) s += " " + key_type_name(a.key_type);
  s += " " + flag("token", a.token) + " " + flag("sensitive", a.sensitive) + " " + flag("extractable", a.extractable);
  if (a.has_value_len) s += " value_len=" + std::to_string(a.value_len);
  return s;
}

std::string describe_origin(const sslp11_record_event& e) {
  std::string s = e.function;
  if (e.has_mechanism) s += "(" + p11::mechanism_name(e.mechanism) + ")";
  if (e.role[0] != '\0') s += std::string(" [") + e.role + "]";
  s += " handle " + hex_ulong(e.handle);
  return s;
}

std::string kind_name(int kind) {
  switch (kind) {
    case SSLP11_RECORD_CREATED:
      return "created";
    case SSLP11_RECORD_READBACK:
      return "read back";
    case SSLP11_RECORD_DESTROYED:
      return "destroyed";
    case SSLP11_RECORD_SET:
      return "attributes set";
    case SSLP11_RECORD_WRAPPED:
      return "wrapped";
    case SSLP11_RECORD_GONE:
      return "gone";
    default:
      return "?";
  }
}

}  // namespace sslp11::secretstest
