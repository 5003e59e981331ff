// sslp11-admin pool status: the members of a configured [pool.NAME] as the
// provider sees them (Sslp11GetPoolStatus): up or down, sessions, operations
// running, the last error and since when. Through the exported API only, on
// a provider opened with SslOpenProvider from the same config, so it shows
// what an application of that config gets.
#include <sslp11/sslp11.h>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/json.h"
#include "cli/options.h"
#include "cli/provider_handle.h"
#include "config/config.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "pool", "status [--pool NAME] [options]",
    "Show the members of a token pool: up or down, sessions, operations running, last error.",
    "Opens the provider with the config (--config, $SSLP11_CONF, ...) as an application does\n"
    "(SslOpenProvider) and prints, for each member of the pool, in the order of its members line:\n"
    "whether it takes new work (up) or was marked down, its sessions in use / open / pool-size,\n"
    "the operations running on it, when it was last marked down and why.\n"
    "The pool is --pool NAME, else the config's default-token (a single token shows as a pool of\n"
    "one). The state is this process's: a member the provider cannot open fails the command (exit\n"
    "1, naming it); a member marked down since the open makes the exit status 1.\n\n"
    "example: sslp11-admin pool status --pool web --json"};

struct Member {
  std::string name;
  bool up = true;
  DWORD in_use = 0, open = 0, size = 0, outstanding = 0;
  ULONGLONG down_since_ms = 0;
  std::string last_error;
};

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool is_key_line(const std::string& line, std::string_view key) {
  const std::string t = trimmed(line);
  if (t.compare(0, key.size(), key) != 0) return false;
  return trimmed(t.substr(key.size())).starts_with("=");
}

// The config text with `default-token = name` in its [provider] section (the
// section added when it has none): SslOpenProvider opens the default-token
// only, so a pool that is not the default is opened through such a copy.
std::string with_default_token(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string out, section;
  bool provider_seen = false, written = false;
  const std::string setting = "default-token = " + name + "\n";
  for (std::string line; std::getline(in, line);) {
    const std::string t = trimmed(line);
    if (t.starts_with("[")) {
      if (section == "[provider]" && !written) {
        out += setting;
        written = true;
      }
      section = t;
      provider_seen = provider_seen || t == "[provider]";
    } else if (section == "[provider]" && is_key_line(line, "default-token")) {
      if (!written) out += setting;
      written = true;
      continue;
    }
    out += line + "\n";
  }
  if (section == "[provider]" && !written) out += setting;
  if (!provider_seen) out = "[provider]\n" + setting + out;
  return out;
}

// A 0600 file in the temporary directory, removed when this goes.
class TempConfig {
 public:
  explicit TempConfig(const std::string& text) {
    std::string pattern = (std::filesystem::temp_directory_path() / "sslp11-admin-pool-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());  // mode 0600
    if (fd < 0) throw OperationError("cannot create a temporary config file in " + pattern);
    ::close(fd);
    path_ = pattern;
    std::ofstream f(path_, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f) throw OperationError("cannot write " + path_);
  }
  TempConfig(const TempConfig&) = delete;
  TempConfig& operator=(const TempConfig&) = delete;
  ~TempConfig() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<Member> pool_members(const ProviderHandle& provider) {
  DWORD n = 0;
  SECURITY_STATUS status = Sslp11GetPoolStatus(provider.get(), nullptr, 0, &n, 0);
  std::vector<SSLP11_POOL_MEMBER_STATUS> raw(n);
  if (status == ERROR_SUCCESS) status = Sslp11GetPoolStatus(provider.get(), raw.data(), n, &n, 0);
  if (status != ERROR_SUCCESS) throw OperationError("Sslp11GetPoolStatus failed: " + status_text(status));
  std::vector<Member> out;
  for (const auto& m : raw) {
    out.push_back(Member{m.szName, m.dwUp != 0, m.cSessionsInUse, m.cSessionsOpen, m.cPoolSize, m.cOutstanding,
                         m.ullDownSinceUnixMs, m.szLastError});
  }
  return out;
}

// "2026-12-05T21:00:00.123Z", or "" for 0 (never down).
std::string utc_text(ULONGLONG unix_ms) {
  if (unix_ms == 0) return {};
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<unsigned>(unix_ms % 1000));
  return text;
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text + " ";
}

void print_text(const std::string& pool, const std::vector<Member>& members) {
  std::size_t name_width = 6;
  for (const Member& m : members) name_width = std::max(name_width, m.name.size());
  std::cout << "pool " << pool << ": " << members.size() << (members.size() == 1 ? " member\n" : " members\n");
  std::cout << padded("member", name_width) << padded("state", 5) << padded("sessions", 14) << padded("running", 7)
            << padded("down since", 24) << "last error\n";
  for (const Member& m : members) {
    const std::string sessions =
        std::to_string(m.in_use) + "/" + std::to_string(m.open) + "/" + std::to_string(m.size);
    const std::string since = utc_text(m.down_since_ms);
    std::cout << padded(m.name, name_width) << padded(m.up ? "up" : "down", 5) << padded(sessions, 14)
              << padded(std::to_string(m.outstanding), 7) << padded(since.empty() ? "-" : since, 24)
              << (m.last_error.empty() ? "-" : one_line(m.last_error)) << "\n";
  }
  std::cout << "(sessions: in use/open/pool-size)\n";
}

void print_json(const std::string& pool, const std::vector<Member>& members) {
  JsonWriter j(std::cout);
  j.begin_object().field("pool", pool).key("members").begin_array();
  for (const Member& m : members) {
    j.begin_object()
        .field("name", m.name)
        .field("up", m.up)
        .field("sessions_in_use", static_cast<std::uint64_t>(m.in_use))
        .field("sessions_open", static_cast<std::uint64_t>(m.open))
        .field("pool_size", static_cast<std::uint64_t>(m.size))
        .field("outstanding", static_cast<std::uint64_t>(m.outstanding));
    j.key("down_since");
    if (m.down_since_ms == 0) j.null();
    else j.value(utc_text(m.down_since_ms));
    j.field("last_error", m.last_error).end_object();
  }
  j.end_array().end_object();
}

// What SslOpenProvider will read for each member, checked first as every
// subcommand checks it: a module that does not load or a PIN source that
// gives nothing is a configuration error (exit 2), as everywhere; a token
// that is not there is that member's state, which the status shows. The
// modules checked are returned: they must outlive the provider (loaded first,
// they are the ones that finalise; provider_handle.h).
std::vector<SelectedToken> check_member_configs(const GlobalOptions& global, const std::vector<std::string>& members) {
  std::vector<SelectedToken> checked;
  for (const std::string& name : members) {
    GlobalOptions g = global;
    g.token = name;
    Target target = resolve_target(g);
    target.default_section = true;  // what SslOpenProvider opens is the pool (or this lone token)
    try {
      checked.push_back(check_provider_config(target));
    } catch (const std::exception& e) {
      if (exit_code_for(e) != kExitFailed) throw;
    }
  }
  return checked;
}

}  // namespace

int cmd_pool(const CommandArgs& args) {
  GlobalOptions global;
  std::string action, pool;
  po::options_description own("pool options");
  own.add_options()
      ("action", po::value(&action)->value_name("ACTION"), "status (also the first positional argument)")
      ("pool", po::value(&pool)->value_name("NAME"), "the [pool.NAME] to show (default: the config's default-token)");
  po::positional_options_description positional;
  positional.add("action", 1);
  if (!parse_command_line(kInfo, args, own, global, &positional)) return kExitOk;
  if (action != "status") throw UsageError("give the action: sslp11-admin pool status [--pool NAME]");
  if (!global.module.empty() || !global.token.empty() || !global.serial.empty() || global.slot >= 0) {
    throw UsageError("pool status reads the config's pools; --module, --token, --serial and --slot do not apply");
  }
  const std::filesystem::path path = config::find_config_file(global.config);
  const config::Config cfg = config::load_config(path);
  if (pool.empty()) pool = cfg.default_token;
  if (cfg.find_pool(pool) == nullptr && !(pool == cfg.default_token && cfg.default_pool() == nullptr)) {
    throw UsageError("the config " + path.string() + " has no [pool." + pool + "]");
  }
  if (global.verbose) std::cerr << "using [pool." << pool << "] of " << path.string() << "\n";
  const config::PoolConfig* pool_config = cfg.find_pool(pool);
  const std::vector<SelectedToken> checked =
      check_member_configs(global, pool_config != nullptr ? pool_config->members : std::vector<std::string>{pool});

  std::optional<TempConfig> copy;
  if (pool != cfg.default_token) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream text;
    text << f.rdbuf();
    copy.emplace(with_default_token(text.str(), pool));
  }
  const ProviderHandle provider(copy ? copy->path() : path.string());
  const std::vector<Member> members = pool_members(provider);
  if (global.json) print_json(pool, members);
  else print_text(pool, members);
  const bool all_up = std::all_of(members.begin(), members.end(), [](const Member& m) { return m.up; });
  return all_up ? kExitOk : kExitFailed;
}

}  // namespace sslp11::cli
