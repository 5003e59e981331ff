#include "cli/target.h"

#include <stdexcept>

#include <sslp11/sslp11.h>

#include "cli/errors.h"
#include "pkcs11/module_registry.h"
#include "pkcs11/uri_attributes.h"

namespace sslp11::cli {

namespace {

// --token as a URI or label, --serial and --slot.
p11::TokenSelector selector_from(const GlobalOptions& g) {
  p11::TokenSelector s;
  if (g.token.rfind("pkcs11:", 0) == 0) {
    s.uri = g.token;
  } else {
    s.label = g.token;
  }
  s.serial = g.serial;
  if (g.slot >= 0) s.slot = static_cast<CK_SLOT_ID>(g.slot);
  return s;
}

void narrow(p11::TokenSelector& s, const GlobalOptions& g) {
  if (!g.serial.empty()) s.serial = g.serial;
  if (g.slot >= 0) s.slot = static_cast<CK_SLOT_ID>(g.slot);
}

// The module the command line names: --module (a registered name or a path)
// and the module-name/module-path of a --token or --uri URI, which must agree.
// "" when none names one (the config's module is used).
std::string command_line_module(const GlobalOptions& g, const std::string& object_uri) {
  std::string module;
  std::string named_by;
  if (!g.module.empty()) {
    module = p11::resolve_module(g.module);
    named_by = "--module";
  }
  for (const auto& [uri, option] : {std::pair{g.token, "--token"}, std::pair{object_uri, "--uri"}}) {
    if (!uri.starts_with("pkcs11:")) continue;
    const auto from_uri = p11::module_of_uri(uri);
    if (!from_uri) continue;
    if (module.empty()) {
      module = *from_uri;
      named_by = std::string(option) + " URI";
    } else if (!p11::same_module(*from_uri, module)) {
      throw UsageError(std::string(option) + " URI names module " + *from_uri + " but " + named_by + " names " +
                       module + ": give one module");
    }
  }
  return module;
}

}  // namespace

std::string Target::describe() const {
  std::string d;
  if (section) {
    d = "[token." + section->name + "] of " + config_path;
    if (selector_from_command_line) d += " (token chosen by the command line: " + selector.describe() + ")";
  } else {
    d = "module " + module + ", " + selector.describe();
  }
  d += ", PIN from " + (user_pin.option.empty() ? "the config (" + user_pin.source.describe() + ")"
                                               : user_pin.option + " " + user_pin.source.describe());
  return d;
}

config::PinSource parse_pin_option(std::string_view text, std::string_view option) {
  if (text.starts_with("value:")) {
    throw UsageError(std::string(option) +
                     ": a PIN on the command line is visible to every user of this host; use env:NAME, "
                     "file:PATH or prompt");
  }
  try {
    return config::parse_pin_source(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string(option) + ": " + e.what());
  }
}

PinSpec pin_spec_from_option(const std::string& text, std::string_view option) {
  PinSpec spec;
  spec.option = std::string(option);
  if (!text.empty()) spec.source = parse_pin_option(text, option);  // default-constructed: prompt
  return spec;
}

PinSpec so_pin_spec(const GlobalOptions& global) {
  PinSpec spec = pin_spec_from_option(global.so_pin_source, "--so-pin-source");
  if (spec.source.kind == config::PinSource::Kind::none) {
    throw UsageError("--so-pin-source none: the security officer always logs in with a PIN");
  }
  return spec;
}

Target resolve_target(const GlobalOptions& g, const std::string& object_uri) {
  if (g.slot < -1) throw UsageError("--slot must be a slot id (0 or more)");
  Target t;
  if (const std::string module = command_line_module(g, object_uri); !module.empty()) {
    if (!g.config.empty()) {
      throw UsageError(std::string(g.module.empty() ? "a URI naming its module (module-name, module-path)" : "--module") +
                       " and --config exclude each other: give one of them");
    }
    t.module = module;
    t.init_args = g.init_args;
    t.selector = selector_from(g);
    // An object URI alone chooses the token too: its token attributes.
    if (g.token.empty() && object_uri.starts_with("pkcs11:")) t.selector.uri = p11::token_part_of_uri(object_uri);
    t.selector_from_command_line = true;
    t.user_pin = pin_spec_from_option(g.pin_source, "--pin-source");
    return t;
  }
  if (!g.init_args.empty()) throw UsageError("--init-args goes with --module (a config sets init-args itself)");

  std::filesystem::path path;
  try {
    path = config::find_config_file(g.config);
  } catch (const config::ConfigError& e) {
    throw UsageError(std::string(e.what()) + (g.config.empty() ? " (or name a module with --module)" : ""));
  }
  const config::Config cfg = config::load_config(path);
  t.config_path = cfg.path;
  const config::TokenConfig* section = g.token.empty() ? nullptr : cfg.find(g.token);
  if (section != nullptr) {
    t.selector = section->selector;
    narrow(t.selector, g);
    t.selector_from_command_line = !g.serial.empty() || g.slot >= 0;
  } else {
    section = &cfg.default_token_config();
    t.selector = section->selector;
    if (!g.token.empty() || !g.serial.empty() || g.slot >= 0) {
      t.selector = selector_from(g);
      t.selector_from_command_line = true;
    }
  }
  // A suite list the provider would refuse is the config's error for every
  // subcommand alike, not only for those that open the provider.
  for (const auto& name : section->cipher_suites) {
    DWORD id = 0;
    if (Sslp11LookupCipherSuiteByName(name.c_str(), &id, 0) != ERROR_SUCCESS) {
      throw UsageError(cfg.path + ": [token." + section->name + "] names cipher suite '" + name +
                       "', which sslp11 does not know");
    }
  }
  t.section = *section;
  // With a pool as default-token, its first member is the default section:
  // SslOpenProvider opens the pool, whose catalogue and first keys start there.
  const config::PoolConfig* pool = cfg.default_pool();
  t.default_section = section->name == cfg.default_token ||
                      (pool != nullptr && g.token.empty() && section->name == pool->members.front());
  t.module = section->module;
  t.init_args = section->init_args;
  if (!g.pin_source.empty()) {
    t.user_pin = pin_spec_from_option(g.pin_source, "--pin-source");
  } else {
    t.user_pin.source = section->pin;
  }
  return t;
}

}  // namespace sslp11::cli
