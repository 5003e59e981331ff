// Pointing SslOpenProvider at a test token: a config file in the per-process
// token directory, SSLP11_CONF set to it, and an RAII provider handle.
#pragma once

#include <string>

#include <sslp11/sslprovider.h>

#include "support/test_tokens.h"

namespace sslp11::test {

// Writes a config for `spec` (user PIN through an environment variable, never
// in the file) and returns its path. `extra` lines go into the token section
// (e.g. "derivation = native-only"); `variant` keeps differently configured
// files apart.
std::string write_provider_config(const TokenSpec& spec, const std::string& extra = "",
                                  const std::string& variant = "default");

// Sets SSLP11_CONF to write_provider_config(...).
void use_token(const TokenSpec& spec, const std::string& extra = "", const std::string& variant = "default");

class ProviderHandle {
 public:
  // use_token(spec) + SslOpenProvider(NULL); ADD_FAILURE with the status and
  // the explanation if it fails.
  explicit ProviderHandle(const TokenSpec& spec, const std::string& extra = "", const std::string& variant = "default");
  ~ProviderHandle();
  ProviderHandle(const ProviderHandle&) = delete;
  ProviderHandle& operator=(const ProviderHandle&) = delete;
  NCRYPT_PROV_HANDLE get() const { return handle_; }
  SECURITY_STATUS open_status() const { return status_; }

 private:
  NCRYPT_PROV_HANDLE handle_ = 0;
  SECURITY_STATUS status_ = 0;
};

// The explanation sslp11 recorded for the last failing Ssl* call on this thread.
std::string last_error();

}  // namespace sslp11::test
