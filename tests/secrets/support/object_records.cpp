#include "secrets/support/object_records.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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

std::string class_name(CK_ULONG c) {
  switch (c) {
    case CKO_SECRET_KEY:
      return "CKO_SECRET_KEY";
    case CKO_PRIVATE_KEY:
      return "CKO_PRIVATE_KEY";
    case CKO_PUBLIC_KEY:
      return "CKO_PUBLIC_KEY";
    case CKO_CERTIFICATE:
      return "CKO_CERTIFICATE";
    case CKO_DATA:
      return "CKO_DATA";
    default:
      return "class " + hex_ulong(c);
  }
}

std::string key_type_name(CK_ULONG t) {
  switch (t) {
    case CKK_GENERIC_SECRET:
      return "CKK_GENERIC_SECRET";
    case CKK_AES:
      return "CKK_AES";
    case CKK_CHACHA20:
      return "CKK_CHACHA20";
    case CKK_EC:
      return "CKK_EC";
    case CKK_DH:
      return "CKK_DH";
    case CKK_RSA:
      return "CKK_RSA";
    case CKK_SHA256_HMAC:
      return "CKK_SHA256_HMAC";
    default:
      return "key type " + hex_ulong(t);
  }
}

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
