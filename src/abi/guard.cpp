#include "abi/guard.h"

#include <cstdio>
#include <string_view>

namespace sslp11::abi {

namespace {

thread_local std::string t_last_error;

struct StatusName {
  SECURITY_STATUS status;
  const char* name;
  bool internal;  // sslp11 itself failed (a bug or no memory), not the caller's input or the token
};

constexpr StatusName kStatusNames[] = {
    {ERROR_SUCCESS, "ERROR_SUCCESS", false},
    {NTE_BAD_DATA, "NTE_BAD_DATA", false},
    {NTE_BAD_SIGNATURE, "NTE_BAD_SIGNATURE", false},
    {NTE_BAD_FLAGS, "NTE_BAD_FLAGS", false},
    {NTE_BAD_KEY_STATE, "NTE_BAD_KEY_STATE", false},
    {NTE_BAD_TYPE, "NTE_BAD_TYPE", false},
    {NTE_BAD_KEY, "NTE_BAD_KEY", false},
    {NTE_NOT_FOUND, "NTE_NOT_FOUND", false},
    {NTE_INVALID_HANDLE, "NTE_INVALID_HANDLE", false},
    {NTE_INVALID_PARAMETER, "NTE_INVALID_PARAMETER", false},
    {NTE_BUFFER_TOO_SMALL, "NTE_BUFFER_TOO_SMALL", false},
    {NTE_NOT_SUPPORTED, "NTE_NOT_SUPPORTED", false},
    {NTE_NO_MORE_ITEMS, "NTE_NO_MORE_ITEMS", false},
    {NTE_BUFFERS_OVERLAP, "NTE_BUFFERS_OVERLAP", false},
    {NTE_DECRYPTION_FAILURE, "NTE_DECRYPTION_FAILURE", false},
    {NTE_ENCRYPTION_FAILURE, "NTE_ENCRYPTION_FAILURE", false},
    {STATUS_NOT_FOUND, "STATUS_NOT_FOUND", false},
    {STATUS_INVALID_HANDLE, "STATUS_INVALID_HANDLE", false},
    {STATUS_INVALID_PARAMETER, "STATUS_INVALID_PARAMETER", false},
    {NTE_PERM, "NTE_PERM", false},
    {NTE_PROVIDER_DLL_FAIL, "NTE_PROVIDER_DLL_FAIL", false},
    {NTE_PROV_DLL_NOT_FOUND, "NTE_PROV_DLL_NOT_FOUND", false},
    {NTE_DEVICE_NOT_READY, "NTE_DEVICE_NOT_READY", false},
    {NTE_DEVICE_NOT_FOUND, "NTE_DEVICE_NOT_FOUND", false},
    {NTE_INCORRECT_PASSWORD, "NTE_INCORRECT_PASSWORD", false},
    {NTE_FAIL, "NTE_FAIL", true},
    {NTE_NO_MEMORY, "NTE_NO_MEMORY", true},
    {NTE_INTERNAL_ERROR, "NTE_INTERNAL_ERROR", true},
};

const StatusName* find_status(SECURITY_STATUS status) {
  for (const auto& n : kStatusNames)
    if (n.status == status) return &n;
  return nullptr;
}

// "SslEncryptPacket", also out of a full signature
// ("LONG SslEncryptPacket(NCRYPT_PROV_HANDLE, ...)") should a compiler give one.
std::string_view function_name(const CallSite& where) {
  std::string_view f = where.function_name();
  if (const auto paren = f.find('('); paren != std::string_view::npos) f = f.substr(0, paren);
  if (const auto space = f.rfind(' '); space != std::string_view::npos) f = f.substr(space + 1);
  return f;
}

}  // namespace

const std::string& last_error_message() noexcept { return t_last_error; }

void set_last_error(std::string message) noexcept {
  try {
    t_last_error = std::move(message);
  } catch (...) {
    t_last_error.clear();
  }
}

const char* status_name(SECURITY_STATUS status) noexcept {
  const StatusName* n = find_status(status);
  return n == nullptr ? "" : n->name;
}

namespace detail {

void log_call(const CallSite& where, const CallArgs* args, SECURITY_STATUS status,
              const char* why) noexcept {
  const StatusName* n = find_status(status);
  const bool internal = n == nullptr || n->internal;  // an unnamed status is unexpected too
  // NTE_NO_MORE_ITEMS ends every enumeration: routine, not a refusal. Other
  // failures reach the caller with their status and text, and reporting them
  // is the caller's job (sslp11-admin prints exactly one line per error), so
  // they are info; only sslp11's own failures are warnings.
  const log::Level level = status == ERROR_SUCCESS || status == NTE_NO_MORE_ITEMS
                               ? log::Level::debug
                               : (internal ? log::Level::warning : log::Level::info);
  if (!log::enabled(level)) return;
  try {
    std::string line(function_name(where));
    line.push_back('(');
    if (args != nullptr) {
      for (std::size_t i = 0; i < args->count; ++i) {
        if (i != 0) line.append(", ");
        const auto& a = args->args[i];
        line.append(a.name).push_back('=');
        // Handles (h...), flags, protocols and suites (dw...) in hex, sizes in decimal.
        const std::string_view name = a.name;
        char value[24];
        std::snprintf(value, sizeof value, name.starts_with("h") || name.starts_with("dw") ? "0x%llX" : "%llu",
                      static_cast<unsigned long long>(a.value));
        line.append(value);
      }
    }
    char code[16];
    std::snprintf(code, sizeof code, "0x%08X", static_cast<unsigned>(status));
    line.append(") -> ").append(code);
    if (n != nullptr) line.append(" ").append(n->name);
    if (why != nullptr && *why != '\0') line.append(": ").append(why);
    log::write(level, "abi", line);
  } catch (...) {
  }
}

}  // namespace detail

}  // namespace sslp11::abi
