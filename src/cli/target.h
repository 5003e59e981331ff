// Which module, token and PIN source a subcommand works on.
//
// The rule (also in `sslp11-admin help` and the README):
//   1. --module NAME|PATH: the module named on the command line (a name is
//      p11-kit's registry's: pkcs11/module_registry.h); no config file is
//      read (--config is then an error). A --token or --uri URI with
//      module-name or module-path (RFC 7512) names the module the same way
//      (and must agree with --module when both are given); an object URI
//      that names its module chooses the token by its token attributes too. The token is chosen by --token
//      (a PKCS#11 URI starting with "pkcs11:", else a label), --serial and
//      --slot; with none of them, the first slot holding a token. The user
//      PIN comes from --pin-source, default prompt.
//   2. Otherwise the config file is read (--config, else $SSLP11_CONF, else
//      $XDG_CONFIG_HOME/sslp11/sslp11.conf, else /etc/sslp11/sslp11.conf):
//      - --token NAME naming a [token.NAME] section uses that section;
//        --serial/--slot then narrow its selector further;
//      - any other --token (URI or label), or --serial/--slot alone, picks a
//        token of the default section's module (with its init-args and PIN
//        source) by those criteria instead of the section's;
//      - with none of them, the default token section.
//      A section name wins over a token label of the same text; to force the
//      label write --token 'pkcs11:token=LABEL'.
//   Either way, criteria that several tokens match (two tokens with one
//   label) choose none: p11::select_token refuses them with the list of
//   matches, and --serial (or serial = in the section) chooses.
//      --pin-source overrides the section's `pin`.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli/options.h"
#include "config/config.h"
#include "pkcs11/token.h"

namespace sslp11::cli {

// A PIN source and where it was given, for messages.
struct PinSpec {
  config::PinSource source;
  std::string option;  // "--pin-source" etc. when from the command line; "" when from the config file
};

struct Target {
  std::string module;
  std::string init_args;
  p11::TokenSelector selector;
  PinSpec user_pin;
  std::string config_path;                     // "" with --module
  std::optional<config::TokenConfig> section;  // the [token.NAME] in use, with a config
  bool default_section = false;                // the section is the config's default-token
  bool selector_from_command_line = false;

  // "[token.hsm] of /etc/sslp11/sslp11.conf" or "module /usr/lib/..."; for --verbose.
  std::string describe() const;
};

// Throws UsageError / config::ConfigError / p11::LayerError for an unknown
// module name (exit 2). `object_uri` is the subcommand's --uri, if it has one.
Target resolve_target(const GlobalOptions& global, const std::string& object_uri = {});

// A PIN source option's text -> PinSource. `value:` is refused here: a PIN on
// the command line is visible to every user of the host (ps, /proc).
config::PinSource parse_pin_option(std::string_view text, std::string_view option);

// --so-pin-source, default prompt.
PinSpec so_pin_spec(const GlobalOptions& global);
// An extra PIN option of one subcommand (e.g. --new-pin-source), default prompt.
PinSpec pin_spec_from_option(const std::string& text, std::string_view option);

}  // namespace sslp11::cli
