// The provider as applications see it (SslOpenProvider and friends), for
// `doctor` and `bench`: they check and measure what an application gets from
// the same configuration, not a second code path.
#pragma once

#include <optional>
#include <string>

#include <sslp11/sslprovider.h>

#include "cli/target.h"

namespace sslp11::cli {

// Why SslOpenProvider would not open the token `target` names, or nullopt:
// the provider reads a config file (SSLP11_CONF) and opens its default token.
std::optional<std::string> provider_mismatch(const Target& target);

// "NTE_NOT_SUPPORTED (0x80090029): <sslp11's explanation>".
std::string status_text(SECURITY_STATUS status);

// SslOpenProvider with SSLP11_CONF set to `config_path`; SslFreeObject on destruction.
class ProviderHandle {
 public:
  // Throws OperationError with status_text() when SslOpenProvider fails.
  explicit ProviderHandle(const std::string& config_path);
  ~ProviderHandle();
  ProviderHandle(const ProviderHandle&) = delete;
  ProviderHandle& operator=(const ProviderHandle&) = delete;
  NCRYPT_PROV_HANDLE get() const noexcept { return handle_; }
  // A UTF-16 provider property as ASCII ("?" for other characters); "" when unavailable.
  std::string string_property(LPCWSTR name) const;

 private:
  NCRYPT_PROV_HANDLE handle_ = 0;
};

// An NCRYPT_KEY_HANDLE freed with SslFreeObject.
class KeyHandle {
 public:
  KeyHandle() = default;
  ~KeyHandle() { reset(); }
  KeyHandle(const KeyHandle&) = delete;
  KeyHandle& operator=(const KeyHandle&) = delete;
  NCRYPT_KEY_HANDLE get() const noexcept { return h_; }
  NCRYPT_KEY_HANDLE* out() noexcept {
    reset();
    return &h_;
  }
  void reset() noexcept;

 private:
  NCRYPT_KEY_HANDLE h_ = 0;
};

}  // namespace sslp11::cli
