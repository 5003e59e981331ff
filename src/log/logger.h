// The provider's logger: one process-global sink every layer (pkcs11/, core,
// abi) writes to, one line per event:
//
//   2026-11-25T15:12:35.123Z sslp11[4711] debug tid=4712 abi: SslEncryptPacket(...) -> 0x00000000 ERROR_SUCCESS
//
// Levels error < warning < info < debug; destinations stderr, syslog (facility
// LOG_USER, ident "sslp11") and file:/ABSOLUTE/PATH (appended to, created 0600).
//
// Who decides the level and destination, strongest first:
//   1. $SSLP11_LOG_LEVEL / $SSLP11_LOG_DESTINATION (read with secure_getenv, so
//      never in a set-uid process): for debugging, they override every config;
//   2. the [provider] log-level / log-destination of the configs SslOpenProvider
//      loads (configure_from_config). The logger is process-global but a process
//      may open providers from several configs: the level is the most verbose
//      any of them asked for (a later, quieter config never silences what an
//      earlier one enabled), and the destination is the first one configured (a
//      later config naming another destination is ignored, with a warning);
//   3. before any config: warning to stderr (the config's own defaults).
//
// Cheap when off: every entry point checks an atomic level before it formats
// anything, and the variadic helpers only concatenate their parts when the
// line will be written. Never pass a PIN or key bytes: lines carry handle
// values, sizes, names and statuses only.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sslp11::log {

enum class Level : int { error = 0, warning = 1, info = 2, debug = 3 };

std::string_view level_name(Level level);  // "warning"
// "error", "warn" or "warning", "info", "debug" (the config's and env's spellings).
std::optional<Level> parse_level(std::string_view text);
// "stderr", "syslog" or "file:/ABSOLUTE/PATH".
bool valid_destination(std::string_view text);

namespace detail {
// -1 until the first use reads the environment.
extern std::atomic<int> g_level;
int initialise() noexcept;
void emit(Level level, std::string_view component, std::string_view message) noexcept;

inline void append(std::string& s, std::string_view v) { s.append(v); }
inline void append(std::string& s, const char* v) { s.append(v == nullptr ? "(null)" : v); }
inline void append(std::string& s, const std::string& v) { s.append(v); }
inline void append(std::string& s, char v) { s.push_back(v); }
inline void append(std::string& s, bool v) { s.append(v ? "true" : "false"); }
template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, char>)
void append(std::string& s, T v) {
  s.append(std::to_string(v));
}
}  // namespace detail

// A number printed as 0x%X (handles, statuses).
struct Hex {
  std::uint64_t value;
};
inline Hex hex(std::uint64_t v) { return Hex{v}; }
namespace detail {
void append(std::string& s, Hex v);
}

// Whether a line at `level` would be written. One relaxed atomic load.
inline bool enabled(Level level) noexcept {
  int current = detail::g_level.load(std::memory_order_relaxed);
  if (current < 0) current = detail::initialise();
  return static_cast<int>(level) <= current;
}

// Writes one line (the message is used as given). Thread-safe, never throws.
inline void write(Level level, std::string_view component, std::string_view message) noexcept {
  if (enabled(level)) detail::emit(level, component, message);
}

// Concatenates `parts` (strings, integers, hex(...)) only when the level is on.
template <class... Parts>
void line(Level level, std::string_view component, const Parts&... parts) noexcept {
  if (!enabled(level)) return;
  try {
    std::string s;
    (detail::append(s, parts), ...);
    detail::emit(level, component, s);
  } catch (...) {
    // Out of memory while formatting a log line: drop the line, not the call.
  }
}
template <class... Parts>
void error(std::string_view component, const Parts&... parts) noexcept {
  line(Level::error, component, parts...);
}
template <class... Parts>
void warning(std::string_view component, const Parts&... parts) noexcept {
  line(Level::warning, component, parts...);
}
template <class... Parts>
void info(std::string_view component, const Parts&... parts) noexcept {
  line(Level::info, component, parts...);
}
template <class... Parts>
void debug(std::string_view component, const Parts&... parts) noexcept {
  line(Level::debug, component, parts...);
}

// Applies one config's settings under the rule above (the environment still
// wins). `source` names the config in the warning about an ignored destination.
// An invalid destination is ignored with a warning (the config layer validates
// it already). Thread-safe.
void configure_from_config(Level level, std::string_view destination, std::string_view source) noexcept;

// The settings in force, for tests and `doctor`-style reports.
Level current_level() noexcept;
std::string current_destination();

// Tests only: forget every configuration and re-read the environment, as a
// fresh process would. Closes a file destination.
void reset_for_tests() noexcept;

}  // namespace sslp11::log
