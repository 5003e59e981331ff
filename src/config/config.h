// The sslp11 configuration file: which PKCS#11 module and token to use, where
// the PIN comes from, and provider-wide settings. The annotated examples in
// config/*.conf show it in use; this is the reference.
//
// Where it is looked up (find_config_file), first match wins:
//   1. the explicit path (sslp11-admin --config), else $SSLP11_CONF - either one
//      must exist, there is no fallback from a path the operator named;
//   2. $XDG_CONFIG_HOME/sslp11/sslp11.conf ($HOME/.config when unset);
//   3. /etc/sslp11/sslp11.conf.
// Environment variables are read with secure_getenv: a set-uid program only
// ever reads /etc/sslp11/sslp11.conf.
//
// Syntax: INI, see config/ini_reader.h - whole-line '#' and ';' comments,
// `key = value` (blanks trimmed), values may be "double-quoted".
//
// [provider]                      optional, at most once
//   default-token = NAME          the [token.NAME] used when the caller names
//                                 none; required when there are several
//   log-level = warn              error | warn | info | debug
//   log-destination = stderr      stderr | syslog | file:/ABSOLUTE/PATH
//                                 (what is logged, the rule when several configs
//                                 disagree, and the $SSLP11_LOG_LEVEL /
//                                 $SSLP11_LOG_DESTINATION overrides: log/logger.h;
//                                 applied by config/log_settings.h)
//   allow-insecure-pin-in-file = false
//                                 true lets tokens use pin = value:PIN
//
// [token.NAME]                    one or more; NAME is letters, digits, '-', '_'
//   module = /ABSOLUTE/PATH.so    the PKCS#11 module (required unless uri names
//                                 it): a path, or a name p11-kit registers (softhsm2)
//   init-args = "..."             C_Initialize pReserved string (NSS softoken)
//   uri = pkcs11:token=...        \  which token: at least one; when several
//   label = ...                   |  are given the token must match all
//   serial = ...                  |  (label at most 32 bytes, serial at most 16,
//   slot = 0                      /  slot a non-negative integer)
//   pin = prompt                  env:NAME | file:PATH | prompt | none | value:PIN
//                                 (see config/pin_source.h)
//   pool-size = 8                 sessions kept open, 1..1024
//   derivation = allow-composed   allow-composed | native-only
//   protocols = tls1.2, tls1.3    the protocols offered: comma list of tls1.2, tls1.3
//   cipher-suites = default       comma list of IANA names (TLS_..., TLS 1.2 and 1.3) or default
//
// Any other section or key is an error. Every error is a ConfigError naming
// the file, the line and the key, and saying what was expected.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/pin_source.h"
#include "pkcs11/token.h"

namespace sslp11::config {

enum class LogLevel { error, warn, info, debug };
// Mirrors core::DerivationPolicy; the config layer does not depend on the core.
enum class DerivationPolicy { allow_composed, native_only };

std::string_view log_level_name(LogLevel level);          // "warn"
std::string_view derivation_name(DerivationPolicy derivation);  // "allow-composed"

struct TokenConfig {
  std::string name;  // NAME of [token.NAME]
  int line = 0;      // line of the [token.NAME] header
  std::string module;
  std::string init_args;        // empty: C_Initialize gets pReserved = NULL
  p11::TokenSelector selector;  // never empty
  PinSource pin;                // resolve with resolve_pin() when logging in
  std::size_t pool_size = 8;
  DerivationPolicy derivation = DerivationPolicy::allow_composed;
  std::vector<std::string> protocols{"tls1.2", "tls1.3"};  // as written, each of tls1.2, tls1.3
  std::vector<std::string> cipher_suites;        // as written; empty means `default`
};

struct Config {
  std::string path;  // the file read, or the name given to load_config_from_string
  LogLevel log_level = LogLevel::warn;
  std::string log_destination = "stderr";  // "stderr", "syslog" or "file:/absolute/path"
  bool allow_insecure_pin = false;
  std::string default_token;        // always the name of one of `tokens`
  std::vector<TokenConfig> tokens;  // in file order, at least one
  // Things worth logging that did not stop loading (a PIN written in the
  // file). The caller logs them once its logger is set up from this config.
  std::vector<ConfigWarning> warnings;

  const TokenConfig& default_token_config() const;
  const TokenConfig* find(std::string_view name) const;  // nullptr when absent
};

// The file to read, following the lookup order above. Throws ConfigError when
// the explicit path or $SSLP11_CONF does not exist, or when no candidate does
// (the message lists every place tried).
std::filesystem::path find_config_file(const std::string& explicit_path);

// Reads and validates a file. Throws ConfigError.
Config load_config(const std::filesystem::path& path);

// Validates text already in memory; `name_for_errors` stands in for the file
// name in messages and becomes Config::path. Throws ConfigError.
Config load_config_from_string(std::string_view text, std::string_view name_for_errors);

}  // namespace sslp11::config
