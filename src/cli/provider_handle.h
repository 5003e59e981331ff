// The provider as applications see it, through the exported API only
// (sslprovider.h, the Sslp11* extension and sslprovider.hpp), for `doctor`
// and `bench`: they check and measure what an application gets from the same
// configuration, not a second code path.
#pragma once

#include <optional>
#include <string>

#include <sslp11/sslprovider.hpp>

#include "cli/target.h"
#include "cli/token_session.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::cli {

// Why SslOpenProvider would not open the token `target` names, or nullopt:
// the provider reads a config file (SSLP11_CONF) and opens its default token.
std::optional<std::string> provider_mismatch(const Target& target);

// Checks, as every subcommand checks its configuration, what SslOpenProvider
// will read from `target`'s config: that the provider opens that token, that
// its module loads and the token is there, and that its PIN source gives a
// PIN without a terminal. So a broken configuration is a usage or
// configuration error (exit 2) here too, not a failed operation behind an
// NTE_* status. The returned module must outlive the provider handles (it
// was loaded first, so it is the one that finalises).
SelectedToken check_provider_config(const Target& target);

// "NTE_NOT_SUPPORTED (0x80090029): <sslp11's explanation>", from the public
// Sslp11GetStatusName and Sslp11GetLastErrorText.
std::string status_text(SECURITY_STATUS status);

// A provider handle, released with SslFreeObject.
class ProviderHandle {
 public:
  // SslOpenProvider with SSLP11_CONF set to `config_path`. Throws
  // OperationError with status_text() when it fails.
  explicit ProviderHandle(const std::string& config_path);
  // Sslp11OpenProviderForToken on the token `target` names, as its config
  // section (if any) says to use it, with a user PIN read here (empty: no
  // login). Throws OperationError with status_text() when it fails.
  ProviderHandle(const Target& target, const p11::Pin& pin);

  NCRYPT_PROV_HANDLE get() const noexcept { return handle_.get(); }
  // A UTF-16 provider property as ASCII ("?" for other characters); "" when unavailable.
  std::string string_property(LPCWSTR name) const;
  // Sslp11GetTokenReport(kind) as text; throws OperationError when it fails.
  std::string token_report(DWORD kind) const;

 private:
  SslHandle handle_;
};

// An NCRYPT_KEY_HANDLE freed with SslFreeObject.
using KeyHandle = SslHandle;

}  // namespace sslp11::cli
