#include "cli/provider_handle.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "abi/guard.h"
#include "cli/errors.h"
#include <utility>

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

std::string status_text(SECURITY_STATUS status) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(status));
  const std::string_view name = abi::status_name(status);
  std::string text = name.empty() ? std::string(hex) : std::string(name) + " (" + hex + ")";
  const std::string& why = abi::last_error_message();
  if (!why.empty()) text += ": " + why;
  return text;
}

ProviderHandle::ProviderHandle(const std::string& config_path) {
  // The provider reads its configuration from SSLP11_CONF, as applications set it.
  ::setenv("SSLP11_CONF", config_path.c_str(), 1);
  const SECURITY_STATUS status = SslOpenProvider(&handle_, nullptr, 0);
  if (status != ERROR_SUCCESS) {
    handle_ = 0;
    throw OperationError("SslOpenProvider failed: " + status_text(status));
  }
}

ProviderHandle::~ProviderHandle() {
  if (handle_ != 0) SslFreeObject(handle_, 0);
}

std::string ProviderHandle::string_property(LPCWSTR name) const {
  PBYTE out = nullptr;
  DWORD size = 0;
  if (SslGetProviderProperty(handle_, name, &out, &size, nullptr, 0) != ERROR_SUCCESS || out == nullptr) return {};
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

void KeyHandle::reset() noexcept {
  if (h_ != 0) SslFreeObject(h_, 0);
  h_ = 0;
}

}  // namespace sslp11::cli
