#include "config/config.h"

#include <fcntl.h>
#include <p11-kit/uri.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>

#include "config/ini_reader.h"
#include "pkcs11/module_registry.h"
#include "pkcs11/uri_attributes.h"

namespace sslp11::config {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kProviderSection = "provider";
constexpr std::string_view kTokenPrefix = "token.";
constexpr std::string_view kPoolPrefix = "pool.";
constexpr std::size_t kMaxConfigBytes = 1 << 20;
constexpr std::size_t kMaxLabelBytes = 32;   // CK_TOKEN_INFO.label
constexpr std::size_t kMaxSerialBytes = 16;  // CK_TOKEN_INFO.serialNumber
constexpr std::string_view kSelectorKeys = "uri|label|serial|slot";

// --- value helpers ----------------------------------------------------------

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool is_token_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// Decimal digits only: no sign, no blanks, no hex.
std::optional<unsigned long long> parse_unsigned(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return {};
  unsigned long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return {};
  return v;
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

// One `key = value` being validated: knows how to say what is wrong with it.
struct Field {
  const std::string& file;
  const IniSection& section;
  const IniEntry& entry;

  std::string_view value() const noexcept { return entry.value(); }

  [[noreturn]] void fail(std::string_view message) const {
    throw ConfigError::at_key(file, entry.line, section.name, entry.key, message);
  }
  // "expected WHAT, got 'VALUE'". Never used for the pin key.
  [[noreturn]] void expected(std::string_view what) const {
    std::string message = "expected " + std::string(what) + ", got '" + std::string(value()) + "'";
    if (value().find(" #") != std::string_view::npos || value().find(" ;") != std::string_view::npos) {
      message += " (comments go on their own line)";
    }
    fail(message);
  }

  std::string absolute_path(std::string_view what) const {
    if (value().empty() || value().front() != '/') expected("the absolute path of " + std::string(what));
    return std::string(value());
  }
  unsigned long long integer(unsigned long long min, unsigned long long max) const {
    const auto v = parse_unsigned(value());
    if (!v || *v < min || *v > max) {
      expected("an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return *v;
  }
  template <typename Enum, std::size_t N>
  Enum one_of(const std::pair<std::string_view, Enum> (&choices)[N]) const {
    std::string names;
    for (const auto& [name, e] : choices) {
      if (value() == name) return e;
      names += (names.empty() ? "" : " or ") + std::string(name);
    }
    expected(names);
  }
  // Comma list, blanks around items trimmed; an empty item or a repeated one is
  // an error.
  std::vector<std::string> list(std::string_view what) const {
    std::vector<std::string> items;
    std::string_view rest = value();
    for (;;) {
      const auto comma = rest.find(',');
      const std::string_view item = trim(rest.substr(0, comma));
      if (item.empty()) expected("a comma-separated list of " + std::string(what));
      if (std::find(items.begin(), items.end(), item) != items.end()) {
        fail("'" + std::string(item) + "' is listed twice");
      }
      items.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    return items;
  }
};

// --- [provider] ---------------------------------------------------------------

struct ProviderKey {
  std::string_view key;
  void (*apply)(const Field&, Config&);
};

constexpr ProviderKey kProviderKeys[] = {
    {"default-token",
     [](const Field& f, Config& c) {
       if (!is_token_name(f.value())) {
         f.expected("the NAME of a [token.NAME] or [pool.NAME] section (letters, digits, '-' and '_')");
       }
       c.default_token = std::string(f.value());
     }},
    {"log-level",
     [](const Field& f, Config& c) {
       c.log_level = f.one_of<LogLevel>({{"error", LogLevel::error},
                                         {"warn", LogLevel::warn},
                                         {"info", LogLevel::info},
                                         {"debug", LogLevel::debug}});
     }},
    {"log-destination",
     [](const Field& f, Config& c) {
       const std::string_view v = f.value();
       if (v != "stderr" && v != "syslog" && !(v.starts_with("file:/") && v.size() > 6)) {
         f.expected("stderr, syslog or file:/ABSOLUTE/PATH");
       }
       c.log_destination = std::string(v);
     }},
    {"allow-insecure-pin-in-file",
     [](const Field& f, Config& c) {
       c.allow_insecure_pin = f.one_of<bool>({{"true", true}, {"false", false}});
     }},
};

// --- [token.NAME] ---------------------------------------------------------------

struct UriDeleter {
  void operator()(P11KitUri* u) const noexcept { p11_kit_uri_free(u); }
};

// The same checks p11::select_token makes later, made now so the error has a
// line. RFC 7512 lets a URI carry the PIN (pin-value=...): such a URI is
// refused, as the PIN has one place, the pin key, and it is never echoed
// (p11::redact_uri).
void check_pkcs11_uri(const Field& f) {
  const std::string text(f.value());
  const std::string shown = "'" + p11::redact_uri(text) + "'";
  if (!f.value().starts_with("pkcs11:")) f.fail("expected a PKCS#11 URI starting with 'pkcs11:', got " + shown);
  std::unique_ptr<P11KitUri, UriDeleter> uri(p11_kit_uri_new());
  if (!uri) throw std::bad_alloc();
  const int rc = p11_kit_uri_parse(
      text.c_str(), P11KitUriType(P11_KIT_URI_FOR_TOKEN | P11_KIT_URI_FOR_SLOT | P11_KIT_URI_FOR_MODULE), uri.get());
  if (rc != P11_KIT_URI_OK) f.fail("invalid PKCS#11 URI " + shown + ": " + p11_kit_uri_message(rc));
  if (p11_kit_uri_get_pin_value(uri.get()) != nullptr || p11_kit_uri_get_pin_source(uri.get()) != nullptr) {
    f.fail("the PKCS#11 URI " + shown +
           " carries a PIN (pin-value or pin-source); remove it and set the pin key instead "
           "(pin = env:NAME or pin = file:PATH)");
  }
  if (auto why = p11::unknown_uri_attribute(text)) f.fail("PKCS#11 URI " + shown + ": " + *why);
  if (p11_kit_uri_any_unrecognized(uri.get())) {
    f.fail("PKCS#11 URI " + shown +
           " has attributes that do not select a token (use token, manufacturer, serial, model, "
           "slot-id, slot-description, slot-manufacturer, library-description, library-manufacturer)");
  }
}

// `module =` holds an absolute path or the name p11-kit's registry knows the
// module by (softhsm2); the rest of sslp11 only ever sees the path.
std::string module_path(const Field& f) {
  if (f.value().empty()) f.expected("the absolute path of the PKCS#11 module or its name in p11-kit's registry");
  try {
    return p11::resolve_module(std::string(f.value()));
  } catch (const p11::LayerError& e) {
    f.fail(e.what());
  }
}

// The module a `uri =` names (module-name, module-path), if any.
std::optional<std::string> module_of_uri(const Field& f) {
  try {
    return p11::module_of_uri(std::string(f.value()));
  } catch (const p11::LayerError& e) {
    f.fail(e.what());
  }
}

std::string bounded_text(const Field& f, std::string_view what, std::size_t max_bytes) {
  if (f.value().empty() || f.value().size() > max_bytes) {
    f.expected(std::string(what) + " of 1 to " + std::to_string(max_bytes) + " bytes");
  }
  return std::string(f.value());
}

bool is_cipher_suite_name(std::string_view s) {
  return s.size() > 4 && s.starts_with("TLS_") && std::all_of(s.begin() + 4, s.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
         });
}

struct TokenKey {
  std::string_view key;
  void (*apply)(const Field&, TokenConfig&);
};

constexpr TokenKey kTokenKeys[] = {
    {"module", [](const Field& f, TokenConfig& t) { t.module = module_path(f); }},
    {"init-args", [](const Field& f, TokenConfig& t) { t.init_args = std::string(f.value()); }},
    {"uri",
     [](const Field& f, TokenConfig& t) {
       check_pkcs11_uri(f);
       t.selector.uri = std::string(f.value());
     }},
    {"label", [](const Field& f, TokenConfig& t) { t.selector.label = bounded_text(f, "a token label", kMaxLabelBytes); }},
    {"serial",
     [](const Field& f, TokenConfig& t) { t.selector.serial = bounded_text(f, "a serial number", kMaxSerialBytes); }},
    {"slot",
     [](const Field& f, TokenConfig& t) {
       t.selector.slot = static_cast<CK_SLOT_ID>(f.integer(0, std::numeric_limits<CK_SLOT_ID>::max()));
     }},
    {"pin",
     [](const Field& f, TokenConfig& t) {
       try {
         PinSource source = parse_pin_source(f.value());
         source.file = f.file;
         source.line = f.entry.line;
         source.token = t.name;
         t.pin = std::move(source);
       } catch (const std::invalid_argument& e) {
         f.fail(e.what());  // never quotes the value: it may be a PIN
       }
     }},
    {"pool-size", [](const Field& f, TokenConfig& t) { t.pool_size = f.integer(1, 1024); }},
    {"derivation",
     [](const Field& f, TokenConfig& t) {
       t.derivation = f.one_of<DerivationPolicy>(
           {{"allow-composed", DerivationPolicy::allow_composed}, {"native-only", DerivationPolicy::native_only}});
     }},
    {"protocols",
     [](const Field& f, TokenConfig& t) {
       constexpr std::string_view kKnown[] = {"tls1.2", "tls1.3"};
       auto items = f.list("tls1.2, tls1.3");
       for (const auto& p : items) {
         if (p == "tls1.0" || p == "tls1.1") {
           f.fail("sslp11 implements only tls1.2 and tls1.3, got '" + p + "'");
         }
         if (std::find(std::begin(kKnown), std::end(kKnown), p) == std::end(kKnown)) {
           f.fail("expected a comma-separated list of tls1.2, tls1.3, got unknown protocol '" + p + "'");
         }
       }
       t.protocols = std::move(items);
     }},
    {"cipher-suites",
     [](const Field& f, TokenConfig& t) {
       if (f.value() == "default") {
         t.cipher_suites.clear();
         return;
       }
       auto items = f.list("IANA cipher suite names (TLS_...) or default");
       for (const auto& s : items) {
         if (s == "default") f.fail("'default' cannot be combined with named cipher suites");
         if (!is_cipher_suite_name(s)) {
           f.fail("expected IANA cipher suite names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (TLS_ then "
                  "capital letters, digits and '_') or default, got '" + s + "'");
         }
       }
       t.cipher_suites = std::move(items);
     }},
};

// --- [pool.NAME] ----------------------------------------------------------------

struct PoolKey {
  std::string_view key;
  void (*apply)(const Field&, PoolConfig&);
};

constexpr PoolKey kPoolKeys[] = {
    {"members",
     [](const Field& f, PoolConfig& p) {
       auto items = f.list("[token.NAME] section names");
       for (const auto& m : items) {
         if (!is_token_name(m)) f.expected("a comma-separated list of [token.NAME] section names");
       }
       p.members = std::move(items);
     }},
    {"policy",
     [](const Field& f, PoolConfig& p) {
       p.policy = f.one_of<PoolPolicy>({{"least-outstanding", PoolPolicy::least_outstanding},
                                        {"round-robin", PoolPolicy::round_robin},
                                        {"weighted", PoolPolicy::weighted}});
     }},
    // Needs `members` and `policy`, which may come later in the section:
    // read_weights reads it once the section is done.
    {"weights", [](const Field&, PoolConfig&) {}},
    {"member-sessions", [](const Field& f, PoolConfig& p) { p.member_sessions = f.integer(1, 1024); }},
    {"probe-interval",
     [](const Field& f, PoolConfig& p) { p.probe_interval_ms = static_cast<unsigned>(f.integer(10, 3600000)); }},
    {"call-timeout",
     [](const Field& f, PoolConfig& p) {
       // Below 10 ms an ordinary call under load would take its member out.
       const auto ms = parse_unsigned(f.value());
       if (!ms || (*ms != 0 && (*ms < 10 || *ms > 600000))) {
         f.expected("0 (no time limit) or a number of milliseconds from 10 to 600000");
       }
       p.call_timeout_ms = static_cast<unsigned>(*ms);
     }},
};

template <typename Rule, std::size_t N>
const Rule* find_rule(const Rule (&rules)[N], std::string_view key) {
  for (const auto& r : rules) {
    if (r.key == key) return &r;
  }
  return nullptr;
}

template <typename Rule, std::size_t N>
[[noreturn]] void unknown_key(const Field& f, const Rule (&rules)[N]) {
  std::string known;
  for (const auto& r : rules) known += (known.empty() ? "" : ", ") + std::string(r.key);
  f.fail("unknown key; expected one of " + known);
}

// --- the whole file -----------------------------------------------------------

class Loader {
 public:
  Loader(std::string file, std::optional<mode_t> file_mode) : file_(std::move(file)), file_mode_(file_mode) {}

  Config load(std::string_view text) {
    doc_ = read_ini(text, file_);
    config_.path = file_;
    for (const auto& section : doc_.sections) {
      if (section.name == kProviderSection) {
        read_provider(section);
      } else if (section.name.starts_with(kTokenPrefix)) {
        read_token(section);
      } else if (section.name.starts_with(kPoolPrefix)) {
        pool_sections_.push_back(&section);  // read once every token is known
      } else {
        throw ConfigError(file_, section.line, "",
                          "unknown section [" + section.name + "]; expected [provider], [token.NAME] or [pool.NAME]");
      }
    }
    for (const IniSection* section : pool_sections_) read_pool(*section);
    choose_default_token();
    check_module_init_args();
    check_pins_in_file();
    return std::move(config_);
  }

 private:
  void read_provider(const IniSection& section) {
    provider_ = &section;
    for (const auto& entry : section.entries) {
      const Field f{file_, section, entry};
      const ProviderKey* rule = find_rule(kProviderKeys, entry.key);
      if (rule == nullptr) unknown_key(f, kProviderKeys);
      rule->apply(f, config_);
    }
  }

  void read_token(const IniSection& section) {
    const std::string name = section.name.substr(kTokenPrefix.size());
    if (!is_token_name(name)) {
      throw ConfigError(file_, section.line, "",
                        "invalid section name [" + section.name +
                            "]; expected [token.NAME] with NAME made of letters, digits, '-' and '_'");
    }
    TokenConfig token;
    token.name = name;
    token.line = section.line;
    token.pin.file = file_;
    token.pin.line = section.line;
    token.pin.token = name;
    for (const auto& entry : section.entries) {
      const Field f{file_, section, entry};
      const TokenKey* rule = find_rule(kTokenKeys, entry.key);
      if (rule == nullptr) unknown_key(f, kTokenKeys);
      rule->apply(f, token);
    }
    take_module_from_uri(section, token);
    if (token.module.empty()) {
      throw ConfigError::at_key(file_, section.line, section.name, "module",
                                "required but missing; expected the absolute path of the PKCS#11 module, e.g. "
                                "module = /usr/lib/softhsm/libsofthsm2.so, or its name in p11-kit's registry "
                                "(module = softhsm2; or module-name= in the uri)");
    }
    if (token.selector.empty()) {
      throw ConfigError(file_, section.line, std::string(kSelectorKeys),
                        "[" + section.name +
                            "] does not say which token to use; set at least one of the keys uri, label, serial "
                            "or slot (when several are set the token must match all of them)");
    }
    config_.tokens.push_back(std::move(token));
    token_sections_.push_back(&section);
  }

  // A `uri =` with module-name or module-path names the module itself: then
  // `module =` may be left out, and when both are given they must agree.
  void take_module_from_uri(const IniSection& section, TokenConfig& token) const {
    for (const auto& entry : section.entries) {
      if (entry.key != "uri") continue;
      const Field f{file_, section, entry};
      const auto from_uri = module_of_uri(f);
      if (!from_uri) continue;
      if (token.module.empty()) {
        token.module = *from_uri;
      } else if (!p11::same_module(*from_uri, token.module)) {
        f.fail("the URI names module " + *from_uri + " but module = names " + token.module + "; give one module");
      }
    }
  }

  void read_pool(const IniSection& section) {
    const std::string name = section.name.substr(kPoolPrefix.size());
    if (!is_token_name(name)) {
      throw ConfigError(file_, section.line, "",
                        "invalid section name [" + section.name +
                            "]; expected [pool.NAME] with NAME made of letters, digits, '-' and '_'");
    }
    // default-token names either, so the two kinds of section share one namespace.
    if (const TokenConfig* t = config_.find(name)) {
      throw ConfigError(file_, section.line, "",
                        "[" + section.name + "] has the name of [token." + name + "] (line " +
                            std::to_string(t->line) + "); a pool and a token cannot share a name");
    }
    PoolConfig pool;
    pool.name = name;
    pool.line = section.line;
    for (const auto& entry : section.entries) {
      const Field f{file_, section, entry};
      const PoolKey* rule = find_rule(kPoolKeys, entry.key);
      if (rule == nullptr) unknown_key(f, kPoolKeys);
      rule->apply(f, pool);
    }
    if (pool.members.empty()) {
      throw ConfigError::at_key(file_, section.line, section.name, "members",
                                "required but missing; expected the [token.NAME] sections that make up the pool, "
                                "e.g. members = hsm1, hsm2");
    }
    const IniEntry* members = section.find("members");
    for (const auto& m : pool.members) {
      if (config_.find(m) == nullptr) {
        throw ConfigError::at_key(file_, members->line, section.name, "members",
                                  "names '" + m + "', which is not a [token.NAME] section of this file");
      }
    }
    read_weights(section, pool);
    config_.pools.push_back(std::move(pool));
  }

  // weights = a:3, b:1 - only with policy = weighted, and then every member once.
  void read_weights(const IniSection& section, PoolConfig& pool) {
    const IniEntry* entry = section.find("weights");
    if (pool.policy != PoolPolicy::weighted) {
      if (entry != nullptr) {
        throw ConfigError::at_key(file_, entry->line, section.name, "weights",
                                  "only meaningful with policy = weighted");
      }
      return;
    }
    if (entry == nullptr) {
      throw ConfigError::at_key(file_, section.line, section.name, "weights",
                                "required with policy = weighted; expected every member with its weight, e.g. "
                                "weights = " + pool.members.front() + ":3");
    }
    const Field f{file_, section, *entry};
    pool.weights.assign(pool.members.size(), 0);
    for (const auto& item : f.list("MEMBER:WEIGHT pairs")) {
      const auto colon = item.find(':');
      const std::string member = std::string(trim(std::string_view(item).substr(0, colon)));
      const auto at = std::find(pool.members.begin(), pool.members.end(), member);
      if (colon == std::string::npos || at == pool.members.end()) {
        f.fail("expected MEMBER:WEIGHT with MEMBER one of the pool's members, got '" + item + "'");
      }
      const auto weight = parse_unsigned(trim(std::string_view(item).substr(colon + 1)));
      if (!weight || *weight < 1 || *weight > 1000) {
        f.fail("expected a weight from 1 to 1000 for member '" + member + "', got '" + item + "'");
      }
      unsigned& slot = pool.weights[static_cast<std::size_t>(at - pool.members.begin())];
      if (slot != 0) f.fail("member '" + member + "' is weighted twice");
      slot = static_cast<unsigned>(*weight);
    }
    for (std::size_t i = 0; i < pool.members.size(); ++i) {
      if (pool.weights[i] == 0) f.fail("member '" + pool.members[i] + "' has no weight; every member needs one");
    }
  }

  void choose_default_token() {
    if (config_.tokens.empty()) {
      throw ConfigError(file_, 0, "",
                        "no [token.NAME] section; configure at least one token, e.g. [token.hsm] with "
                        "module = /ABSOLUTE/PATH.so and label = TOKEN-LABEL");
    }
    std::vector<std::string> names;
    for (const auto& t : config_.tokens) names.push_back("[token." + t.name + "] (line " + std::to_string(t.line) + ")");
    const int provider_line = provider_ ? provider_->line : 0;
    if (config_.default_token.empty()) {
      if (config_.tokens.size() > 1) {
        throw ConfigError::at_key(file_, provider_line, kProviderSection, "default-token",
                                  "required but missing: several tokens are configured (" + joined(names, ", ") +
                                      "); name the one to use by default");
      }
      config_.default_token = config_.tokens.front().name;
      return;
    }
    if (config_.find(config_.default_token) == nullptr && config_.find_pool(config_.default_token) == nullptr) {
      for (const auto& p : config_.pools) {
        names.push_back("[pool." + p.name + "] (line " + std::to_string(p.line) + ")");
      }
      const IniEntry* entry = provider_->find("default-token");
      throw ConfigError::at_key(file_, entry->line, kProviderSection, "default-token",
                                "expected the NAME of a [token.NAME] or [pool.NAME] section, got '" + config_.default_token +
                                    "', which is not defined; defined: " + joined(names, ", "));
    }
  }

  // A process initialises a PKCS#11 module once (p11::Module::load), so two
  // tokens of one module cannot have different init strings.
  void check_module_init_args() {
    const auto& tokens = config_.tokens;
    for (std::size_t j = 0; j < tokens.size(); ++j) {
      for (std::size_t i = 0; i < j; ++i) {
        if (fs::path(tokens[i].module).lexically_normal() != fs::path(tokens[j].module).lexically_normal() ||
            tokens[i].init_args == tokens[j].init_args) {
          continue;
        }
        const IniSection& section = *token_sections_[j];
        const IniEntry* entry = section.find("init-args");
        throw ConfigError::at_key(file_, entry ? entry->line : section.line, section.name, "init-args",
                                  "differs from the init-args of [token." + tokens[i].name + "] (line " +
                                      std::to_string(tokens[i].line) +
                                      "), which uses the same module; a process initialises a PKCS#11 module "
                                      "only once, so tokens of one module must share its init-args");
      }
    }
  }

  void check_pins_in_file() {
    for (const auto& t : config_.tokens) {
      if (t.pin.kind != PinSource::Kind::value) continue;
      if (!config_.allow_insecure_pin) {
        throw ConfigError::at_key(file_, t.pin.line, "token." + t.name, "pin",
                                  "a PIN written in the configuration file (value:...) is refused unless "
                                  "[provider] sets allow-insecure-pin-in-file = true; use pin = env:NAME or "
                                  "pin = file:PATH (mode 0600) instead");
      }
      std::string message = "key 'pin' in [token." + t.name +
                            "]: the PIN is written in the configuration file (allow-insecure-pin-in-file = true); "
                            "anyone who can read this file can use the token";
      if (file_mode_ && (*file_mode_ & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(*file_mode_ & 07777));
        message += ", and its mode " + std::string(mode) + " lets group or others read it (chmod 600)";
      }
      message += "; prefer pin = env:NAME or pin = file:PATH";
      config_.warnings.push_back(ConfigWarning{file_, t.pin.line, "pin", message});
    }
  }

  std::string file_;
  std::optional<mode_t> file_mode_;  // of the file read, for the insecure-PIN warning
  IniDocument doc_;
  const IniSection* provider_ = nullptr;
  std::vector<const IniSection*> token_sections_;  // parallel to config_.tokens
  std::vector<const IniSection*> pool_sections_;   // in file order
  Config config_;
};

// --- lookup -------------------------------------------------------------------

std::string env_or_empty(const char* name) {
  const char* v = ::secure_getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

struct FdCloser {
  int fd;
  explicit FdCloser(int f) noexcept : fd(f) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() { ::close(fd); }
};

// 0 when `path` exists, else errno of stat().
int stat_errno(const fs::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? 0 : errno;
}

}  // namespace

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error: return "error";
    case LogLevel::warn: return "warn";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
  }
  return "?";
}

std::string_view derivation_name(DerivationPolicy derivation) {
  switch (derivation) {
    case DerivationPolicy::allow_composed: return "allow-composed";
    case DerivationPolicy::native_only: return "native-only";
  }
  return "?";
}

std::string_view pool_policy_name(PoolPolicy policy) {
  switch (policy) {
    case PoolPolicy::least_outstanding: return "least-outstanding";
    case PoolPolicy::round_robin: return "round-robin";
    case PoolPolicy::weighted: return "weighted";
  }
  return "?";
}

const TokenConfig& Config::default_token_config() const {
  if (const TokenConfig* t = find(default_token)) return *t;
  if (const PoolConfig* p = find_pool(default_token)) {
    if (const TokenConfig* t = find(p->members.front())) return *t;
  }
  throw ConfigError(path, 0, "default-token", "default token '" + default_token + "' is not configured");
}

const TokenConfig* Config::find(std::string_view name) const {
  for (const auto& t : tokens) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const PoolConfig* Config::find_pool(std::string_view name) const {
  for (const auto& p : pools) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const PoolConfig* Config::default_pool() const { return find_pool(default_token); }

fs::path find_config_file(const std::string& explicit_path) {
  const auto named = [](const std::string& path, std::string_view how) {
    if (const int err = stat_errno(path); err != 0) {
      throw ConfigError(path, 0, "", "cannot use the configuration file " + std::string(how) + ": " +
                                         std::strerror(err));
    }
    return fs::path(path);
  };
  if (!explicit_path.empty()) return named(explicit_path, "given on the command line");
  const std::string from_env = env_or_empty("SSLP11_CONF");
  if (!from_env.empty()) return named(from_env, "named by SSLP11_CONF");

  std::vector<std::string> tried{"$SSLP11_CONF (not set)"};
  std::vector<fs::path> candidates;
  // XDG Base Directory: a relative XDG_CONFIG_HOME is invalid and ignored.
  if (const std::string xdg = env_or_empty("XDG_CONFIG_HOME"); !xdg.empty() && xdg.front() == '/') {
    candidates.push_back(fs::path(xdg) / "sslp11" / "sslp11.conf");
  } else if (const std::string home = env_or_empty("HOME"); !home.empty()) {
    candidates.push_back(fs::path(home) / ".config" / "sslp11" / "sslp11.conf");
  } else {
    tried.emplace_back("$XDG_CONFIG_HOME/sslp11/sslp11.conf (neither XDG_CONFIG_HOME nor HOME is set)");
  }
  candidates.emplace_back("/etc/sslp11/sslp11.conf");

  for (const auto& candidate : candidates) {
    const int err = stat_errno(candidate);
    if (err == 0) return candidate;
    tried.push_back(candidate.string() + (err == ENOENT ? "" : " (" + std::string(std::strerror(err)) + ")"));
  }
  throw ConfigError("", 0, "",
                    "no sslp11 configuration file found; tried " + joined(tried, ", ") +
                        ". Create one (see the examples shipped in config/) or point SSLP11_CONF at it");
}

Config load_config(const fs::path& path) {
  const std::string file = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) throw ConfigError(file, 0, "", std::string("cannot open the configuration file: ") + std::strerror(errno));
  const FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw ConfigError(file, 0, "", std::string("cannot stat the configuration file: ") + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw ConfigError(file, 0, "", "the configuration file is not a regular file");
  if (static_cast<unsigned long long>(st.st_size) > kMaxConfigBytes) {
    throw ConfigError(file, 0, "",
                      "the configuration file is larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  }
  // Wiped after parsing: the text may hold a PIN (pin = value:...).
  p11::SecureBytes text(static_cast<std::size_t>(st.st_size));
  std::size_t n = 0;
  while (n < text.size()) {
    const ssize_t r = ::read(fd, text.data() + n, text.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw ConfigError(file, 0, "", std::string("cannot read the configuration file: ") + std::strerror(errno));
    }
    if (r == 0) break;  // shrank while we read: parse what is there
    n += static_cast<std::size_t>(r);
  }
  return Loader(file, st.st_mode).load(std::string_view(reinterpret_cast<const char*>(text.data()), n));
}

Config load_config_from_string(std::string_view text, std::string_view name_for_errors) {
  return Loader(std::string(name_for_errors), std::nullopt).load(text);
}

}  // namespace sslp11::config
