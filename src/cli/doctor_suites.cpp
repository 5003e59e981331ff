#include "cli/doctor_suites.h"

#include <utility>

#include "cli/errors.h"

namespace sslp11::cli {

namespace {

struct Curve {
  std::string name;
  DWORD group = 0;
};

std::string ascii(const WCHAR* text, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < max && text[i] != 0; ++i) out += text[i] < 0x80 ? static_cast<char>(text[i]) : '?';
  return out;
}

std::vector<Curve> offered_curves(const ProviderHandle& provider) {
  DWORD count = 0;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  const SECURITY_STATUS status = SslEnumEccCurves(provider.get(), &count, &curves, 0);
  if (status != ERROR_SUCCESS) throw OperationError("SslEnumEccCurves failed: " + status_text(status));
  std::vector<Curve> out;
  for (DWORD i = 0; i < count; ++i) {
    out.push_back({ascii(curves[i].szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH), curves[i].dwCurveType});
  }
  SslFreeBuffer(curves);
  return out;
}

}  // namespace

std::vector<SuiteOnCurves> check_suites_on_curves(const ProviderHandle& provider,
                                                  const std::vector<std::string>& offered) {
  const std::vector<Curve> curves = offered_curves(provider);
  std::vector<SuiteOnCurves> out;
  for (const std::string& name : offered) {
    SuiteOnCurves s;
    s.suite = name;
    DWORD id = 0;
    s.needs_curve = name.starts_with("TLS_ECDHE_");
    if (s.needs_curve && Sslp11LookupCipherSuiteByName(name.c_str(), &id, 0) == ERROR_SUCCESS) {
      for (const Curve& c : curves) {
        NCRYPT_SSL_CIPHER_SUITE info{};
        if (SslLookupCipherSuiteInfo(provider.get(), TLS1_2_PROTOCOL_VERSION, id, c.group, &info, 0) ==
            ERROR_SUCCESS) {
          s.runs_on.push_back(c.name);
        } else {
          s.fails_on.emplace_back(c.name, last_error_text());
        }
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sslp11::cli
