#include "tls/provider.h"

namespace sslp11::tls {

namespace {

std::string read_wide_property(NCRYPT_PROV_HANDLE h, LPCWSTR name, const char* what) {
  PBYTE out = nullptr;
  DWORD size = 0;
  check(SslGetProviderProperty(h, name, &out, &size, nullptr, 0), what);
  const SslBuffer<BYTE> owned(out);
  return narrow(reinterpret_cast<const WCHAR*>(out), size / sizeof(WCHAR));
}

SuiteInfo info_from(const NCRYPT_SSL_CIPHER_SUITE& s) {
  SuiteInfo i;
  i.id = s.dwCipherSuite;
  i.name = narrow(s.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE);
  i.exchange = narrow(s.szExchange, NCRYPT_SSL_MAX_NAME_SIZE);
  i.certificate = narrow(s.szCertificate, NCRYPT_SSL_MAX_NAME_SIZE);
  i.cipher = narrow(s.szCipher, NCRYPT_SSL_MAX_NAME_SIZE);
  i.hash = narrow(s.szHash, NCRYPT_SSL_MAX_NAME_SIZE);
  i.cipher_bits = s.dwCipherLen;
  return i;
}

}  // namespace

ProviderError::ProviderError(SECURITY_STATUS status, const std::string& call, const std::string& why)
    : std::runtime_error(call + ": " + status_text(status) + (why.empty() ? "" : ": " + why)),
      status_(status),
      call_(call),
      why_(why) {}

void check(SECURITY_STATUS status, const char* call) {
  if (status != ERROR_SUCCESS) throw ProviderError(status, call, last_error_text());
}

Provider::Provider() { check(SslOpenProvider(&handle_, nullptr, 0), "SslOpenProvider"); }

Provider::~Provider() {
  if (handle_ != 0) SslFreeObject(handle_, 0);
}

std::string Provider::derivation_path() const {
  return read_wide_property(handle_, SSLP11_DERIVATION_PATH_PROPERTY, "SslGetProviderProperty(SSLP11_DERIVATION_PATH)");
}

std::string Provider::token_label() const {
  return read_wide_property(handle_, SSLP11_TOKEN_LABEL_PROPERTY, "SslGetProviderProperty(SSLP11_TOKEN_LABEL)");
}

std::vector<SuiteInfo> Provider::suites(NCRYPT_KEY_HANDLE private_key) const {
  std::vector<SuiteInfo> out;
  PVOID state = nullptr;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
    const SECURITY_STATUS s = SslEnumCipherSuites(handle_, private_key, &suite, &state, 0);
    if (s == NTE_NO_MORE_ITEMS) break;
    if (s != ERROR_SUCCESS) {
      if (state != nullptr) SslFreeBuffer(state);
      check(s, "SslEnumCipherSuites");
    }
    const SslBuffer<NCRYPT_SSL_CIPHER_SUITE> owned(suite);
    if (suite->dwProtocol == TLS1_2_PROTOCOL_VERSION) out.push_back(info_from(*suite));
  }
  if (state != nullptr) SslFreeBuffer(state);
  return out;
}

std::vector<CurveInfo> Provider::curves() const {
  DWORD count = 0;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  check(SslEnumEccCurves(handle_, &count, &curves, 0), "SslEnumEccCurves");
  const SslBuffer<NCRYPT_SSL_ECC_CURVE> owned(curves);
  std::vector<CurveInfo> out;
  for (DWORD i = 0; i < count; ++i) {
    out.push_back({curves[i].dwCurveType, curves[i].dwPublicKeyLength,
                   narrow(curves[i].szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH)});
  }
  return out;
}

std::optional<SuiteInfo> Provider::lookup(std::uint32_t suite, std::string* why_not, DWORD key_type) const {
  NCRYPT_SSL_CIPHER_SUITE info{};
  const SECURITY_STATUS s = SslLookupCipherSuiteInfo(handle_, TLS1_2_PROTOCOL_VERSION, suite, key_type, &info, 0);
  if (s == ERROR_SUCCESS) return info_from(info);
  if (why_not != nullptr) {
    // sslp11 starts its reason with the suite's name; callers print the name themselves.
    std::string why = last_error_text();
    const std::size_t colon = why.find(": ");
    if (colon != std::string::npos && why.compare(0, 4, "TLS_") == 0 && why.find(' ') > colon) why.erase(0, colon + 2);
    *why_not = why;
  }
  return std::nullopt;
}

NCRYPT_SSL_CIPHER_LENGTHS Provider::lengths(std::uint32_t suite, DWORD protocol) const {
  NCRYPT_SSL_CIPHER_LENGTHS l{};
  check(SslLookupCipherLengths(handle_, protocol, suite, 0, &l, sizeof l, 0), "SslLookupCipherLengths");
  return l;
}

std::vector<SuiteInfo> Provider::suites13() const {
  std::vector<SuiteInfo> out;
  PVOID state = nullptr;
  for (;;) {
    NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
    const SECURITY_STATUS s = SslEnumCipherSuites(handle_, 0, &suite, &state, 0);
    if (s == NTE_NO_MORE_ITEMS) break;
    if (s != ERROR_SUCCESS) {
      if (state != nullptr) SslFreeBuffer(state);
      check(s, "SslEnumCipherSuites");
    }
    const SslBuffer<NCRYPT_SSL_CIPHER_SUITE> owned(suite);
    if (suite->dwProtocol == TLS1_3_PROTOCOL_VERSION) out.push_back(info_from(*suite));
  }
  if (state != nullptr) SslFreeBuffer(state);
  return out;
}

bool Provider::runs13(std::uint32_t suite, std::string* why_not) const {
  NCRYPT_SSL_CIPHER_SUITE info{};
  if (SslLookupCipherSuiteInfo(handle_, TLS1_3_PROTOCOL_VERSION, suite, 0, &info, 0) == ERROR_SUCCESS) return true;
  if (why_not != nullptr) *why_not = last_error_text();
  return false;
}

std::string Provider::hash13(std::uint32_t suite) const {
  WCHAR name[NCRYPT_SSL_MAX_NAME_SIZE] = {};
  check(SslGetCipherSuitePRFHashAlgorithm(handle_, TLS1_3_PROTOCOL_VERSION, suite, 0, name, 0),
        "SslGetCipherSuitePRFHashAlgorithm");
  return narrow(name, NCRYPT_SSL_MAX_NAME_SIZE);
}

std::string narrow(const WCHAR* s, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < max && s[i] != 0; ++i) out.push_back(s[i] < 0x80 ? static_cast<char>(s[i]) : '?');
  return out;
}

}  // namespace sslp11::tls
