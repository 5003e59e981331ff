#include "log/logger.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace sslp11::log {

namespace detail {
std::atomic<int> g_level{-1};
}

namespace {

constexpr Level kDefaultLevel = Level::warning;
constexpr std::string_view kDefaultDestination = "stderr";

// Everything but the level (which is read lock-free) lives under g_mutex.
struct Sink {
  std::string destination = std::string(kDefaultDestination);
  int fd = STDERR_FILENO;  // stderr or the opened file; -1 for syslog
  bool owns_fd = false;
  bool syslog_open = false;
  bool configured = false;  // a config chose the destination (the first one wins)
  bool env_level = false;   // $SSLP11_LOG_LEVEL is in force
  bool env_destination = false;
  Level config_level = kDefaultLevel;  // most verbose asked by a config so far
  bool any_config = false;
};

std::mutex g_mutex;
Sink& sink() {
  static Sink s;
  return s;
}

const char* env(const char* name) { return secure_getenv(name); }

void close_destination(Sink& s) {
  if (s.owns_fd && s.fd >= 0) ::close(s.fd);
  if (s.syslog_open) closelog();
  s.fd = STDERR_FILENO;
  s.owns_fd = false;
  s.syslog_open = false;
  s.destination = std::string(kDefaultDestination);
}

// Opens `destination` (already validated). False when the file cannot be
// opened; the sink is then left on stderr.
bool open_destination(Sink& s, std::string_view destination) {
  close_destination(s);
  if (destination == "syslog") {
    openlog("sslp11", LOG_PID | LOG_NDELAY, LOG_USER);
    s.fd = -1;
    s.syslog_open = true;
  } else if (destination.starts_with("file:")) {
    const std::string path(destination.substr(5));
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    s.fd = fd;
    s.owns_fd = true;
  }
  s.destination = std::string(destination);
  return true;
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

int syslog_priority(Level level) {
  switch (level) {
    case Level::error:
      return LOG_ERR;
    case Level::warning:
      return LOG_WARNING;
    case Level::info:
      return LOG_INFO;
    case Level::debug:
      break;
  }
  return LOG_DEBUG;
}

// Emits a line about the logger itself with g_mutex already held.
void emit_locked(Sink& s, Level level, std::string_view component, std::string_view message);

// The environment part of the rule; called with g_mutex held. Returns the
// level now in force.
int apply_environment(Sink& s) {
  s.env_level = false;
  s.env_destination = false;
  std::optional<Level> level;
  if (const char* v = env("SSLP11_LOG_LEVEL"); v != nullptr && *v != '\0') {
    level = parse_level(v);
    if (level) s.env_level = true;
  }
  if (const char* v = env("SSLP11_LOG_DESTINATION"); v != nullptr && *v != '\0') {
    if (valid_destination(v) && open_destination(s, v)) s.env_destination = true;
  }
  const Level effective = level ? *level : (s.any_config ? s.config_level : kDefaultLevel);
  detail::g_level.store(static_cast<int>(effective), std::memory_order_relaxed);
  if (const char* v = env("SSLP11_LOG_LEVEL"); v != nullptr && *v != '\0' && !level) {
    emit_locked(s, Level::warning, "log",
                "ignoring SSLP11_LOG_LEVEL: expected error, warn, warning, info or debug");
  }
  if (const char* v = env("SSLP11_LOG_DESTINATION"); v != nullptr && *v != '\0' && !s.env_destination) {
    emit_locked(s, Level::warning, "log",
                std::string("ignoring SSLP11_LOG_DESTINATION '") + v +
                    "': expected stderr, syslog or a writable file:/ABSOLUTE/PATH");
  }
  return static_cast<int>(effective);
}

std::string timestamp() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(ts.tv_nsec / 1000000));
  return buf;
}

void emit_locked(Sink& s, Level level, std::string_view component, std::string_view message) {
  if (static_cast<int>(level) > detail::g_level.load(std::memory_order_relaxed)) return;
  const long tid = ::syscall(SYS_gettid);
  std::string body;
  body.reserve(message.size() + component.size() + 24);
  body.append(level_name(level)).append(" tid=").append(std::to_string(tid)).append(" ");
  body.append(component).append(": ");
  // One event, one line: a newline inside a message (e.g. from a token's
  // error text) would forge a second entry.
  for (char c : message) body.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (s.syslog_open) {
    syslog(syslog_priority(level), "%s", body.c_str());
    return;
  }
  std::string text = timestamp();
  text.append(" sslp11[").append(std::to_string(::getpid())).append("] ").append(body).push_back('\n');
  write_all(s.fd, text);
}

}  // namespace

std::string_view level_name(Level level) {
  switch (level) {
    case Level::error:
      return "error";
    case Level::warning:
      return "warning";
    case Level::info:
      return "info";
    case Level::debug:
      break;
  }
  return "debug";
}

std::optional<Level> parse_level(std::string_view text) {
  if (text == "error") return Level::error;
  if (text == "warn" || text == "warning") return Level::warning;
  if (text == "info") return Level::info;
  if (text == "debug") return Level::debug;
  return std::nullopt;
}

bool valid_destination(std::string_view text) {
  return text == "stderr" || text == "syslog" || (text.starts_with("file:/") && text.size() > 6);
}

namespace detail {

int initialise() noexcept {
  try {
    std::lock_guard lock(g_mutex);
    const int current = g_level.load(std::memory_order_relaxed);
    if (current >= 0) return current;  // another thread was first
    return apply_environment(sink());
  } catch (...) {
    return static_cast<int>(kDefaultLevel);
  }
}

void emit(Level level, std::string_view component, std::string_view message) noexcept {
  try {
    std::lock_guard lock(g_mutex);
    emit_locked(sink(), level, component, message);
  } catch (...) {
    // A log line is never worth failing the call that wrote it.
  }
}

void append(std::string& s, Hex v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llX", static_cast<unsigned long long>(v.value));
  s.append(buf);
}

}  // namespace detail

void configure_from_config(Level level, std::string_view destination, std::string_view source) noexcept {
  try {
    std::lock_guard lock(g_mutex);
    Sink& s = sink();
    if (detail::g_level.load(std::memory_order_relaxed) < 0) apply_environment(s);
    if (!s.any_config || static_cast<int>(level) > static_cast<int>(s.config_level)) s.config_level = level;
    s.any_config = true;
    if (!s.env_level) detail::g_level.store(static_cast<int>(s.config_level), std::memory_order_relaxed);

    if (s.env_destination) return;
    if (!s.configured) {
      s.configured = true;
      if (!valid_destination(destination) || !open_destination(s, destination)) {
        emit_locked(s, Level::warning, "log",
                    std::string("cannot log to '") + std::string(destination) + "' (from " + std::string(source) +
                        "); logging to stderr");
      }
    } else if (destination != s.destination) {
      emit_locked(s, Level::warning, "log",
                  std::string("log-destination '") + std::string(destination) + "' of " + std::string(source) +
                      " ignored: this process already logs to '" + s.destination + "' (the first config wins)");
    }
  } catch (...) {
  }
}

Level current_level() noexcept {
  int current = detail::g_level.load(std::memory_order_relaxed);
  if (current < 0) current = detail::initialise();
  return static_cast<Level>(current);
}

std::string current_destination() {
  current_level();
  std::lock_guard lock(g_mutex);
  return sink().destination;
}

void reset_for_tests() noexcept {
  std::lock_guard lock(g_mutex);
  Sink& s = sink();
  close_destination(s);
  s = Sink{};
  detail::g_level.store(-1, std::memory_order_relaxed);
}

}  // namespace sslp11::log
