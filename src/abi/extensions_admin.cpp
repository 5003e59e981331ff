// The operator part of the extension API (include/sslp11/sslp11.h, version
// 2), so that tools such as sslp11-admin check and measure the provider
// through the exported functions only: Sslp11OpenProviderForToken,
// Sslp11GetTokenReport, Sslp11RunSelfTest, Sslp11LookupCipherSuiteByName,
// Sslp11GetCipherSuiteName, Sslp11CountPkcs11Calls.
#include <sslp11/sslp11.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "abi/guard.h"
#include "abi/handles.h"
#include "core/cipher_suites.h"
#include "core/key_schedule_self_test.h"
#include "core/tls13_suites.h"
#include "core/keys.h"
#include "core/token_context.h"
#include "pkcs11/api.h"

using namespace sslp11;
using namespace sslp11::abi;

namespace {

std::string text_or_empty(const char* text) { return text == nullptr ? std::string() : std::string(text); }

std::vector<std::string> split_names(const char* list) {
  std::vector<std::string> names;
  std::string current;
  for (const char* p = list; p != nullptr && *p != '\0'; ++p) {
    if (*p == ',') {
      if (!current.empty()) names.push_back(current);
      current.clear();
    } else if (*p != ' ' && *p != '\t') {
      current += *p;
    }
  }
  if (!current.empty()) names.push_back(current);
  return names;
}

core::TokenSettings settings_from(const SSLP11_TOKEN_SPEC& spec) {
  if (spec.dwVersion != SSLP11_TOKEN_SPEC_VERSION) fail(NTE_INVALID_PARAMETER, "pToken->dwVersion is not SSLP11_TOKEN_SPEC_VERSION");
  if (spec.pszModule == nullptr || *spec.pszModule == '\0') fail(NTE_INVALID_PARAMETER, "pToken->pszModule is empty");
  if ((spec.dwSpecFlags & ~DWORD{SSLP11_TOKEN_SPEC_SLOT | SSLP11_TOKEN_SPEC_NATIVE_ONLY}) != 0) {
    fail(NTE_INVALID_PARAMETER, "pToken->dwSpecFlags has unknown flags");
  }
  if (spec.pbPin == nullptr && spec.cbPin != 0) fail(NTE_INVALID_PARAMETER, "pToken->pbPin is NULL but cbPin is not 0");
  core::TokenSettings s;
  s.name = spec.pszName != nullptr ? spec.pszName : "token";
  s.module = spec.pszModule;
  s.init_args = text_or_empty(spec.pszInitArgs);
  s.selector.uri = text_or_empty(spec.pszTokenUri);
  s.selector.label = text_or_empty(spec.pszTokenLabel);
  s.selector.serial = text_or_empty(spec.pszTokenSerial);
  if ((spec.dwSpecFlags & SSLP11_TOKEN_SPEC_SLOT) != 0) s.selector.slot = spec.dwSlotId;
  if (spec.cbPin != 0) {
    s.pin = p11::Pin(std::string_view(reinterpret_cast<const char*>(spec.pbPin), spec.cbPin));
  }
  if (spec.dwPoolSize != 0) s.pool_size = spec.dwPoolSize;
  s.policy = (spec.dwSpecFlags & SSLP11_TOKEN_SPEC_NATIVE_ONLY) != 0 ? core::DerivationPolicy::native_only
                                                                     : core::DerivationPolicy::allow_composed;
  s.cipher_suites = split_names(spec.pszCipherSuites);
  for (const auto& name : s.cipher_suites) {
    if (core::find_cipher_suite(name) == nullptr && core::find_tls13_suite(name) == nullptr) {
      fail(NTE_NOT_SUPPORTED, "cipher suite '" + name + "', which sslp11 does not know");
    }
  }
  return s;
}

std::string token_report(const core::TokenContext& token, DWORD report) {
  std::string text;
  if (report == SSLP11_REPORT_DERIVATION_EVIDENCE) {
    for (const auto& line : token.capabilities().evidence()) text += line + "\n";
  } else if (report == SSLP11_REPORT_CIPHER_SUITES) {
    for (const core::CipherSuite& s : core::all_cipher_suites()) {
      text += std::string(s.name) + "\t";
      if (token.offered_suite(s.id) == nullptr) text += token.why_not_offered(s.id);
      text += "\n";
    }
    for (const core::Tls13Suite& s : core::all_tls13_suites()) {
      text += std::string(s.name) + "\t";
      if (token.offered_tls13_suite(s.id) == nullptr) text += token.why_not_offered(s.id);
      text += "\n";
    }
  } else {
    fail(NTE_INVALID_PARAMETER, "unknown dwReport " + std::to_string(report));
  }
  return text;
}

// `text` into a fixed char array, cut after the last whole line that fits.
template <std::size_t N>
void copy_lines(const std::string& text, char (&out)[N]) {
  std::size_t n = text.size();
  if (n >= N) {
    n = text.rfind('\n', N - 2);
    n = n == std::string::npos ? 0 : n + 1;
  }
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

}  // namespace

extern "C" {

SSLP11_API SECURITY_STATUS WINAPI Sslp11OpenProviderForToken(NCRYPT_PROV_HANDLE* phSslProvider,
                                                             const SSLP11_TOKEN_SPEC* pToken, DWORD dwFlags) {
  return guarded(call_args("dwFlags", dwFlags), [&] {
    if (phSslProvider == nullptr || pToken == nullptr) fail(NTE_INVALID_PARAMETER, "phSslProvider or pToken is NULL");
    *phSslProvider = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11OpenProviderForToken takes no flags");
    // As SslOpenProvider, on a token context of the caller's own (never
    // shared with the configured one: its PIN and settings are the caller's).
    *phSslProvider =
        publish_provider(std::make_shared<core::Provider>(core::TokenContext::open(settings_from(*pToken))));
  });
}

SSLP11_API SECURITY_STATUS WINAPI Sslp11GetTokenReport(NCRYPT_PROV_HANDLE hSslProvider, DWORD dwReport, char* pszText,
                                                       DWORD cbText, DWORD* pcbResult, DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwReport", dwReport, "dwFlags", dwFlags), [&] {
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "pcbResult is NULL");
    *pcbResult = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11GetTokenReport takes no flags");
    const auto provider = provider_from(hSslProvider);
    const std::string text = token_report(*provider->token(), dwReport);
    *pcbResult = static_cast<DWORD>(text.size() + 1);
    if (pszText == nullptr) return;
    if (cbText < text.size() + 1) fail(NTE_BUFFER_TOO_SMALL, "the report needs " + std::to_string(text.size() + 1) + " bytes");
    std::memcpy(pszText, text.c_str(), text.size() + 1);
  });
}

SSLP11_API SECURITY_STATUS WINAPI Sslp11RunSelfTest(NCRYPT_PROV_HANDLE hSslProvider, SSLP11_SELF_TEST_RESULT* pResult,
                                                    DWORD dwFlags) {
  return guarded(call_args("hSslProvider", hSslProvider, "dwFlags", dwFlags), [&] {
    if (pResult == nullptr) fail(NTE_INVALID_PARAMETER, "pResult is NULL");
    *pResult = SSLP11_SELF_TEST_RESULT{};
    pResult->dwOutcome = SSLP11_SELF_TEST_FAILED;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11RunSelfTest takes no flags");
    const auto provider = provider_from(hSslProvider);
    const core::SelfTestReport report = core::run_key_schedule_self_test(*provider->token());
    pResult->dwOutcome = report.skipped  ? SSLP11_SELF_TEST_SKIPPED
                         : report.passed ? SSLP11_SELF_TEST_PASSED
                                         : SSLP11_SELF_TEST_FAILED;
    pResult->dwCipherSuite = report.suite != nullptr ? report.suite->id : 0;
    std::string steps;
    for (const auto& step : report.steps) steps += step + "\n";
    copy_lines(steps, pResult->szSteps);
    copy_lines(report.failure, pResult->szFailure);
  });
}

SSLP11_API SECURITY_STATUS WINAPI Sslp11LookupCipherSuiteByName(const char* pszName, DWORD* pdwCipherSuite,
                                                                DWORD dwFlags) {
  return guarded(call_args("dwFlags", dwFlags), [&] {
    if (pszName == nullptr || pdwCipherSuite == nullptr) {
      fail(NTE_INVALID_PARAMETER, "pszName or pdwCipherSuite is NULL");
    }
    *pdwCipherSuite = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11LookupCipherSuiteByName takes no flags");
    // The TLS 1.2 catalogue, then the TLS 1.3 suites (RFC 8446 §B.4).
    if (const core::CipherSuite* suite = core::find_cipher_suite(std::string_view(pszName))) {
      *pdwCipherSuite = suite->id;
      return;
    }
    if (const core::Tls13Suite* suite = core::find_tls13_suite(std::string_view(pszName))) {
      *pdwCipherSuite = suite->id;
      return;
    }
    fail(NTE_NOT_FOUND, "sslp11 knows no cipher suite '" + std::string(pszName) + "'");
  });
}

SSLP11_API SECURITY_STATUS WINAPI Sslp11GetCipherSuiteName(DWORD dwCipherSuite, char* pszName, DWORD cbName,
                                                           DWORD* pcbResult, DWORD dwFlags) {
  return guarded(call_args("dwCipherSuite", dwCipherSuite, "dwFlags", dwFlags), [&] {
    if (pcbResult == nullptr) fail(NTE_INVALID_PARAMETER, "pcbResult is NULL");
    *pcbResult = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11GetCipherSuiteName takes no flags");
    const core::CipherSuite* suite = core::find_cipher_suite(static_cast<std::uint32_t>(dwCipherSuite));
    const core::Tls13Suite* suite13 = core::find_tls13_suite(static_cast<std::uint32_t>(dwCipherSuite));
    if (suite == nullptr && suite13 == nullptr) {
      fail(NTE_NOT_FOUND, "sslp11 knows no cipher suite " + std::to_string(dwCipherSuite));
    }
    const std::string_view name = suite != nullptr ? suite->name : suite13->name;
    if (!output_wanted(name.size() + 1, reinterpret_cast<PBYTE>(pszName), cbName, pcbResult)) return;
    std::memcpy(pszName, name.data(), name.size());
    pszName[name.size()] = '\0';
  });
}

SSLP11_API SECURITY_STATUS WINAPI Sslp11CountPkcs11Calls(ULONGLONG* pcCalls, DWORD dwFlags) {
  return guarded(call_args("dwFlags", dwFlags), [&] {
    if (pcCalls == nullptr) fail(NTE_INVALID_PARAMETER, "pcCalls is NULL");
    *pcCalls = 0;
    if (dwFlags != 0) fail(NTE_BAD_FLAGS, "Sslp11CountPkcs11Calls takes no flags");
    *pcCalls = p11::calls_on_this_thread();
  });
}

}  // extern "C"
