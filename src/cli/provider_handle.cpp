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
  // The statuses sslp11 returns, by name; anything else shows as hex only.
  static constexpr std::pair<SECURITY_STATUS, const char*> kNames[] = {
      {NTE_BAD_DATA, "NTE_BAD_DATA"},
      {NTE_BAD_FLAGS, "NTE_BAD_FLAGS"},
      {NTE_BAD_KEY_STATE, "NTE_BAD_KEY_STATE"},
      {NTE_NO_MEMORY, "NTE_NO_MEMORY"},
      {NTE_PERM, "NTE_PERM"},
      {NTE_NOT_FOUND, "NTE_NOT_FOUND"},
      {NTE_PROVIDER_DLL_FAIL, "NTE_PROVIDER_DLL_FAIL"},
      {NTE_PROV_DLL_NOT_FOUND, "NTE_PROV_DLL_NOT_FOUND"},
      {NTE_FAIL, "NTE_FAIL"},
      {NTE_INVALID_HANDLE, "NTE_INVALID_HANDLE"},
      {NTE_INVALID_PARAMETER, "NTE_INVALID_PARAMETER"},
      {NTE_BUFFER_TOO_SMALL, "NTE_BUFFER_TOO_SMALL"},
      {NTE_NOT_SUPPORTED, "NTE_NOT_SUPPORTED"},
      {NTE_DECRYPTION_FAILURE, "NTE_DECRYPTION_FAILURE"},
      {NTE_INTERNAL_ERROR, "NTE_INTERNAL_ERROR"},
      {NTE_DEVICE_NOT_READY, "NTE_DEVICE_NOT_READY"},
      {NTE_INCORRECT_PASSWORD, "NTE_INCORRECT_PASSWORD"},
      {NTE_DEVICE_NOT_FOUND, "NTE_DEVICE_NOT_FOUND"},
  };
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(status));
  std::string text = hex;
  for (const auto& [value, name] : kNames) {
    if (value == status) text = std::string(name) + " (" + hex + ")";
  }
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
