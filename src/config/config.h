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
//   default-token = NAME          the [token.NAME] or [pool.NAME] used when the
//                                 caller names none; required when there are
//                                 several tokens
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
// [pool.NAME]                     zero or more: several tokens used as one
//                                 (core/token_pool.h). NAME must not also name
//                                 a [token.NAME].
//   members = a, b                the [token.NAME] sections that make it up
//                                 (required, at least one, each once)
//   policy = least-outstanding    least-outstanding | round-robin | weighted:
//                                 how a new key schedule picks its member
//   weights = a:3, b:1            weighted only, and then required: every
//                                 member once, each weight 1..1000
//   member-sessions = N           cap on a member's concurrent operations,
//                                 1..1024 (default: that token's pool-size)
//   probe-interval = 1000         ms between health probes of a down member,
//                                 10..3600000
//   call-timeout = 0              ms a call on a member may run before the
//                                 member is marked down, 10..600000; 0 (the
//                                 default): no time limit
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

enum class PoolPolicy { least_outstanding, round_robin, weighted };
std::string_view pool_policy_name(PoolPolicy policy);  // "least-outstanding"

struct PoolConfig {
  std::string name;  // NAME of [pool.NAME]
  int line = 0;      // line of the [pool.NAME] header
  std::vector<std::string> members;  // names of [token.NAME] sections, at least one
  PoolPolicy policy = PoolPolicy::least_outstanding;
  std::vector<unsigned> weights;       // parallel to members when weighted, else empty
  std::size_t member_sessions = 0;     // 0: each member's pool-size
  unsigned probe_interval_ms = 1000;
  unsigned call_timeout_ms = 0;  // 0: no time limit
};

struct Config {
  std::string path;  // the file read, or the name given to load_config_from_string
  LogLevel log_level = LogLevel::warn;
  std::string log_destination = "stderr";  // "stderr", "syslog" or "file:/absolute/path"
  bool allow_insecure_pin = false;
  std::string default_token;        // the name of one of `tokens` or of `pools`
  std::vector<TokenConfig> tokens;  // in file order, at least one
  std::vector<PoolConfig> pools;    // in file order, possibly none
  // Things worth logging that did not stop loading (a PIN written in the
  // file). The caller logs them once its logger is set up from this config.
  std::vector<ConfigWarning> warnings;

  // The default token; when default-token names a pool, its first member
  // (what the single-token tools such as sslp11-admin work on).
  const TokenConfig& default_token_config() const;
  const TokenConfig* find(std::string_view name) const;  // nullptr when absent
  // The pool default-token names, or nullptr when it names a token.
  const PoolConfig* default_pool() const;
  const PoolConfig* find_pool(std::string_view name) const;  // nullptr when absent
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
