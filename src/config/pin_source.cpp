#include "config/pin_source.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "config/config_error.h"

namespace sslp11::config {

namespace {

// Longest PIN accepted from a file or the terminal. PKCS#11 tokens take far
// shorter ones (ulMaxPinLen is typically 255 or less).
constexpr std::size_t kMaxPinBytes = 1024;

bool is_env_name(std::string_view s) {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string errno_text(int err) { return std::strerror(err); }

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// A char buffer for a PIN being read, wiped on scope exit.
template <std::size_t N>
struct WipedChars {
  std::array<char, N> chars{};
  ~WipedChars() { p11::wipe(chars.data(), chars.size()); }
};

// --- terminal ---------------------------------------------------------------

volatile std::sig_atomic_t g_caught_signal = 0;

extern "C" void note_signal(int sig) { g_caught_signal = sig; }

constexpr std::array<int, 4> kInterruptSignals = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a prompt that cannot be shown is not worth failing the read for
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Echo off and our signal handlers on while it lives; everything put back by
// the destructor, before any caught signal is re-raised.
class QuietTerminal {
 public:
  explicit QuietTerminal(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) {
      throw std::runtime_error("cannot read the PIN: the input is not a terminal (" + errno_text(errno) + ")");
    }
    g_caught_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = note_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: read() returns EINTR so we can clean up
    for (std::size_t i = 0; i < kInterruptSignals.size(); ++i) {
      // A signal the process ignores (nohup) stays ignored.
      ::sigaction(kInterruptSignals[i], nullptr, &old_[i]);
      installed_[i] = (old_[i].sa_flags & SA_SIGINFO) != 0 || old_[i].sa_handler != SIG_IGN;
      if (installed_[i]) ::sigaction(kInterruptSignals[i], &sa, nullptr);
    }
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK | ECHONL);
    quiet.c_lflag |= ICANON;
    // TCSAFLUSH drops anything typed before the prompt appeared.
    if (::tcsetattr(fd_, TCSAFLUSH, &quiet) != 0) {
      const int err = errno;
      restore_signals();
      throw std::runtime_error("cannot turn off terminal echo to read the PIN (" + errno_text(err) + ")");
    }
  }
  QuietTerminal(const QuietTerminal&) = delete;
  QuietTerminal& operator=(const QuietTerminal&) = delete;
  ~QuietTerminal() {
    ::tcsetattr(fd_, TCSAFLUSH, &saved_);
    write_all(fd_, "\n");  // the user's Enter was not echoed
    restore_signals();
  }

 private:
  void restore_signals() noexcept {
    for (std::size_t i = 0; i < kInterruptSignals.size(); ++i) {
      if (installed_[i]) ::sigaction(kInterruptSignals[i], &old_[i], nullptr);
    }
  }

  int fd_;
  termios saved_{};
  std::array<struct sigaction, kInterruptSignals.size()> old_{};
  std::array<bool, kInterruptSignals.size()> installed_{};
};

}  // namespace

// --- PinSource ----------------------------------------------------------------

PinSource::PinSource(const PinSource& other)
    : kind(other.kind),
      reference(other.reference),
      value(other.value.clone()),
      file(other.file),
      line(other.line),
      token(other.token) {}

PinSource& PinSource::operator=(const PinSource& other) {
  if (this != &other) *this = PinSource(other);
  return *this;
}

std::string PinSource::describe() const {
  switch (kind) {
    case Kind::none: return "none";
    case Kind::env: return "env:" + reference;
    case Kind::file: return "file:" + reference;
    case Kind::prompt: return "prompt";
    case Kind::value: return "value:(hidden)";
  }
  return "?";
}

PinSource parse_pin_source(std::string_view text) {
  constexpr std::string_view kExpected = "expected env:NAME, file:PATH, prompt, none or value:PIN";
  PinSource source;
  if (text == "none") {
    source.kind = PinSource::Kind::none;
  } else if (text == "prompt") {
    source.kind = PinSource::Kind::prompt;
  } else if (text.starts_with("env:")) {
    const std::string_view name = text.substr(4);
    if (!is_env_name(name)) {
      throw std::invalid_argument(
          "env: must be followed by an environment variable name (letters, digits and '_', not starting with a "
          "digit), e.g. env:SSLP11_PIN");
    }
    source.kind = PinSource::Kind::env;
    source.reference = std::string(name);
  } else if (text.starts_with("file:")) {
    const std::string_view path = text.substr(5);
    if (path.empty() || path.front() != '/') {
      throw std::invalid_argument("file: must be followed by an absolute path, e.g. file:/etc/sslp11/hsm.pin");
    }
    source.kind = PinSource::Kind::file;
    source.reference = std::string(path);
  } else if (text.starts_with("value:")) {
    if (text.size() == 6) throw std::invalid_argument("value: must be followed by the PIN");
    source.kind = PinSource::Kind::value;
    source.value = p11::Pin(text.substr(6));
  } else {
    // Not quoted back: an operator may have written the bare PIN here.
    throw std::invalid_argument(std::string(kExpected));
  }
  return source;
}

p11::Pin read_pin_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not hang; fstat then refuses it.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) throw std::runtime_error("cannot open PIN file '" + path + "': " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    throw std::runtime_error("cannot stat PIN file '" + path + "': " + errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) throw std::runtime_error("PIN file '" + path + "' is not a regular file");
  if ((st.st_mode & 077) != 0) {
    throw std::runtime_error("PIN file '" + path + "' has mode " + octal_mode(st.st_mode) +
                             ", which gives group or others access to it; run: chmod 600 '" + path + "'");
  }

  WipedChars<kMaxPinBytes + 2> buf;  // room for the PIN, '\r' and '\n'
  std::size_t n = 0;
  while (n < buf.chars.size()) {
    const ssize_t r = ::read(fd.get(), buf.chars.data() + n, buf.chars.size() - n);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("cannot read PIN file '" + path + "': " + errno_text(errno));
    }
    if (r == 0) break;
    n += static_cast<std::size_t>(r);
  }
  std::string_view text(buf.chars.data(), n);
  const auto eol = text.find('\n');
  if (eol == std::string_view::npos && n == buf.chars.size()) {
    throw std::runtime_error("PIN file '" + path + "': the first line is longer than " +
                             std::to_string(kMaxPinBytes) + " bytes");
  }
  text = text.substr(0, eol);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.size() > kMaxPinBytes) {
    throw std::runtime_error("PIN file '" + path + "': the first line is longer than " +
                             std::to_string(kMaxPinBytes) + " bytes");
  }
  if (text.empty()) throw std::runtime_error("PIN file '" + path + "' is empty (the PIN is its first line)");
  return p11::Pin(text);
}

p11::Pin read_pin_from_terminal(int fd, std::string_view prompt) {
  WipedChars<kMaxPinBytes> buf;
  std::size_t n = 0;
  bool too_long = false;
  bool ended = false;
  int read_errno = 0;
  {
    const QuietTerminal quiet(fd);
    write_all(fd, prompt);
    for (;;) {
      if (g_caught_signal != 0) break;
      // Poll with a timeout rather than block in read(): in a threaded process
      // the signal handler may run on another thread, leaving read() asleep.
      pollfd ready{fd, POLLIN, 0};
      const int polled = ::poll(&ready, 1, 200);
      if (polled == 0 || (polled < 0 && errno == EINTR)) continue;
      if (polled < 0) {
        read_errno = errno;
        break;
      }
      char c = 0;
      const ssize_t r = ::read(fd, &c, 1);
      if (r < 0) {
        if (errno == EINTR && g_caught_signal == 0) continue;
        read_errno = errno;
        break;
      }
      if (r == 0 || c == '\n' || c == '\r') {
        ended = true;
        break;
      }
      if (n < buf.chars.size()) {
        buf.chars[n++] = c;
      } else {
        too_long = true;
      }
      p11::wipe(&c, 1);
    }
  }  // terminal and signal handlers restored here
  if (const int sig = g_caught_signal; sig != 0) {
    g_caught_signal = 0;
    p11::wipe(buf.chars.data(), buf.chars.size());
    std::raise(sig);  // its previous disposition: usually ends the process
    throw std::runtime_error("PIN entry interrupted");
  }
  if (!ended) throw std::runtime_error("cannot read the PIN from the terminal: " + errno_text(read_errno));
  if (too_long) throw std::runtime_error("the PIN typed is longer than " + std::to_string(kMaxPinBytes) + " bytes");
  if (n == 0) throw std::runtime_error("no PIN typed");
  return p11::Pin(std::string_view(buf.chars.data(), n));
}

p11::Pin resolve_pin(const PinSource& source, bool interactive) {
  const std::string section = source.token.empty() ? "" : "token." + source.token;
  auto fail = [&](const std::string& message) {
    return ConfigError::at_key(source.file, source.line, section, "pin", message);
  };
  switch (source.kind) {
    case PinSource::Kind::none:
      return p11::Pin();
    case PinSource::Kind::value:
      return source.value.clone();
    case PinSource::Kind::env: {
      const char* text = std::getenv(source.reference.c_str());
      if (text == nullptr) throw fail("environment variable '" + source.reference + "' is not set");
      if (*text == '\0') throw fail("environment variable '" + source.reference + "' is empty");
      return p11::Pin(std::string_view(text));
    }
    case PinSource::Kind::file:
      try {
        return read_pin_file(source.reference);
      } catch (const std::runtime_error& e) {
        throw fail(e.what());
      }
    case PinSource::Kind::prompt: {
      if (!interactive) {
        throw fail(
            "the PIN is to be typed at a terminal (pin = prompt, the default), which only sslp11-admin can do; "
            "for the provider set pin = env:NAME or pin = file:PATH, or pin = none if the token needs no login");
      }
      const Fd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
      if (tty.get() < 0) throw fail("no terminal to type the PIN on (/dev/tty: " + errno_text(errno) + ")");
      try {
        return read_pin_from_terminal(tty.get(), "PIN for " + (section.empty() ? "the token" : "[" + section + "]") +
                                                     ": ");
      } catch (const std::runtime_error& e) {
        throw fail(e.what());
      }
    }
  }
  throw fail("unknown PIN source");
}

}  // namespace sslp11::config
