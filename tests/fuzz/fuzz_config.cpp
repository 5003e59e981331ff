// The configuration file parser (src/config): INI reader, validation into a
// Config, PIN-source parsing, and the token settings SslOpenProvider derives
// from a [token.NAME] section. Every malformed input must end in a
// ConfigError (or std::invalid_argument from a PIN source), never a crash.
//
// PIN sources are resolved only when that cannot touch anything the input
// names: `none` and `value:`. A `file:` or `env:` PIN is described, not read -
// the file reader's own bounds (regular files only, O_NONBLOCK, at most
// 1 KiB) are covered by tests/config.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "config/config.h"
#include "config/ini_reader.h"
#include "core/cipher_suites.h"

using namespace sslp11;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)config::read_ini(text, "fuzz.conf");
  } catch (const config::ConfigError&) {
  }
  try {
    const config::Config cfg = config::load_config_from_string(text, "fuzz.conf");
    // What SslOpenProvider derives from the default token (provider_open.cpp).
    const config::TokenConfig& token = cfg.default_token_config();
    if (cfg.find(token.name) != &token) __builtin_trap();
    for (const config::TokenConfig& t : cfg.tokens) {
      (void)t.pin.describe();
      for (const auto& name : t.cipher_suites) (void)core::find_cipher_suite(name);
      if (t.pin.kind == config::PinSource::Kind::none || t.pin.kind == config::PinSource::Kind::value) {
        (void)config::resolve_pin(t.pin, /*interactive=*/false);
      }
      config::PinSource copy = t.pin;  // the wiped-buffer copy constructor
      (void)copy.describe();
    }
    (void)config::log_level_name(cfg.log_level);
  } catch (const config::ConfigError&) {
  }
  try {
    (void)config::parse_pin_source(text);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
