#include "core/support/ssl_calls.h"

#include <cstdio>
#include <cstring>

#include "support/provider_env.h"

namespace sslp11::coretest {

namespace {

std::string ascii(const std::uint8_t* p, DWORD cb) {
  std::string s;
  for (DWORD i = 0; i + 1 < cb; i += 2) {
    const char16_t c = static_cast<char16_t>(p[i] | p[i + 1] << 8);
    if (c == 0) break;
    s.push_back(c < 0x80 ? static_cast<char>(c) : '?');
  }
  return s;
}

}  // namespace

std::string status_hex(SECURITY_STATUS s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(s));
  return buf;
}

void require_ok(SECURITY_STATUS s, const char* call) {
  if (s != ERROR_SUCCESS)
    throw std::runtime_error(std::string(call) + " returned " + status_hex(s) + ": " + test::last_error());
}

std::vector<DWORD> enumerate_suites(NCRYPT_PROV_HANDLE provider) {
  std::vector<DWORD> ids;
  PVOID state = nullptr;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
    const SECURITY_STATUS s = SslEnumCipherSuites(provider, 0, &suite, &state, 0);
    if (s == NTE_NO_MORE_ITEMS) break;
    if (s != ERROR_SUCCESS) {
      if (state != nullptr) SslFreeBuffer(state);
      require_ok(s, "SslEnumCipherSuites");
    }
    if (suite->dwProtocol == TLS1_2_PROTOCOL_VERSION) ids.push_back(suite->dwCipherSuite);  // TLS 1.3: tests/tls13_api
    SslFreeBuffer(suite);
  }
  if (state != nullptr) SslFreeBuffer(state);
  return ids;
}

std::string key_property_string(NCRYPT_KEY_HANDLE key, LPCWSTR name) {
  PBYTE out = nullptr;
  DWORD cb = 0;
  require_ok(SslGetKeyProperty(key, name, &out, &cb, 0), "SslGetKeyProperty");
  std::string s = ascii(out, cb);
  SslFreeBuffer(out);
  return s;
}

std::string provider_property_string(NCRYPT_PROV_HANDLE provider, LPCWSTR name) {
  PBYTE out = nullptr;
  DWORD cb = 0;
  require_ok(SslGetProviderProperty(provider, name, &out, &cb, nullptr, 0), "SslGetProviderProperty");
  std::string s = ascii(out, cb);
  SslFreeBuffer(out);
  return s;
}

Bytes export_key(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE key, LPCWSTR blob_type) {
  DWORD cb = 0;
  require_ok(SslExportKey(provider, key, blob_type, nullptr, 0, &cb, 0), "SslExportKey (size)");
  Bytes out(cb);
  require_ok(SslExportKey(provider, key, blob_type, out.data(), cb, &cb, 0), "SslExportKey");
  out.resize(cb);
  return out;
}

}  // namespace sslp11::coretest
