#include "cli/provider_handle.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "cli/errors.h"
#include "config/pin_source.h"

namespace sslp11::cli {

std::optional<std::string> provider_mismatch(const Target& target) {
  if (!target.section) return "no config file is used (--module); the provider reads one through SSLP11_CONF";
  if (!target.default_section) {
    return "the provider opens the config's default token, not [token." + target.section->name + "]";
  }
  if (target.selector_from_command_line) {
    return "the token was chosen on the command line; the provider opens the one its config names";
  }
  return std::nullopt;
}

SelectedToken check_provider_config(const Target& target) {
  if (const auto why = provider_mismatch(target)) throw UsageError("the provider is not what " + *why);
  SelectedToken token = select_target_token(target);
  if ((token.slot.token_flags & CKF_LOGIN_REQUIRED) != 0) {
    // The provider never prompts: read the PIN as it will (and wipe it).
    const p11::Pin pin = config::resolve_pin(target.section->pin, /*interactive=*/false);
  }
  return token;
}

std::string status_text(SECURITY_STATUS status) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(status));
  const std::string_view name = Sslp11GetStatusName(status);
  std::string text = name.empty() ? std::string(hex) : std::string(name) + " (" + hex + ")";
  const std::string why = last_error_text();
  if (!why.empty()) text += ": " + why;
  return text;
}

ProviderHandle::ProviderHandle(const std::string& config_path) {
  // The provider reads its configuration from SSLP11_CONF, as applications set it.
  ::setenv("SSLP11_CONF", config_path.c_str(), 1);
  const SECURITY_STATUS status = SslOpenProvider(handle_.out(), nullptr, 0);
  if (status != ERROR_SUCCESS) {
    handle_.release();
    throw OperationError("SslOpenProvider failed: " + status_text(status));
  }
}

ProviderHandle::ProviderHandle(const Target& target, const p11::Pin& pin) {
  std::string suites;
  if (target.section) {
    for (const auto& name : target.section->cipher_suites) suites += (suites.empty() ? "" : ",") + name;
  }
  SSLP11_TOKEN_SPEC spec{};
  spec.dwVersion = SSLP11_TOKEN_SPEC_VERSION;
  spec.pszName = target.section ? target.section->name.c_str() : "command-line";
  spec.pszModule = target.module.c_str();
  spec.pszInitArgs = target.init_args.c_str();
  spec.pszTokenUri = target.selector.uri.c_str();
  spec.pszTokenLabel = target.selector.label.c_str();
  spec.pszTokenSerial = target.selector.serial.c_str();
  if (target.selector.slot) {
    spec.dwSpecFlags |= SSLP11_TOKEN_SPEC_SLOT;
    spec.dwSlotId = static_cast<DWORD>(*target.selector.slot);
  }
  spec.pbPin = pin.empty() ? nullptr : pin.bytes().data();
  spec.cbPin = static_cast<DWORD>(pin.bytes().size());
  if (target.section) {
    spec.dwPoolSize = static_cast<DWORD>(target.section->pool_size);
    if (target.section->derivation == config::DerivationPolicy::native_only) spec.dwSpecFlags |= SSLP11_TOKEN_SPEC_NATIVE_ONLY;
    spec.pszCipherSuites = suites.empty() ? nullptr : suites.c_str();
  }
  const SECURITY_STATUS status = Sslp11OpenProviderForToken(handle_.out(), &spec, 0);
  if (status != ERROR_SUCCESS) {
    handle_.release();
    throw OperationError("the provider could not open the token: " + status_text(status));
  }
}

std::string ProviderHandle::string_property(LPCWSTR name) const {
  PBYTE out = nullptr;
  DWORD size = 0;
  if (SslGetProviderProperty(handle_.get(), name, &out, &size, nullptr, 0) != ERROR_SUCCESS || out == nullptr) return {};
  std::string text;
  for (DWORD i = 0; i + 1 < size; i += 2) {
    char16_t c;
    std::memcpy(&c, out + i, sizeof c);
    if (c == 0) break;
    text += c < 0x80 ? static_cast<char>(c) : '?';
  }
  SslFreeBuffer(out);
  return text;
}

std::string ProviderHandle::token_report(DWORD kind) const {
  DWORD size = 0;
  SECURITY_STATUS status = Sslp11GetTokenReport(handle_.get(), kind, nullptr, 0, &size, 0);
  std::string text(size, '\0');
  if (status == ERROR_SUCCESS) status = Sslp11GetTokenReport(handle_.get(), kind, text.data(), size, &size, 0);
  if (status != ERROR_SUCCESS) throw OperationError("Sslp11GetTokenReport failed: " + status_text(status));
  text.resize(std::strlen(text.c_str()));
  return text;
}

}  // namespace sslp11::cli
