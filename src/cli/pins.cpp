#include "cli/pins.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "cli/errors.h"
#include "config/pin_source.h"

namespace sslp11::cli {

namespace {

class Terminal {
 public:
  Terminal() : fd_(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) {}
  ~Terminal() {
    if (fd_ >= 0) ::close(fd_);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

bool same(const p11::Pin& a, const p11::Pin& b) {
  const auto x = a.bytes();
  const auto y = b.bytes();
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size()) == 0;
}

p11::Pin prompt(const PinSpec& spec, const std::string& text) {
  Terminal tty;
  if (tty.fd() < 0) {
    const std::string option = spec.option.empty() ? "pin in the config" : spec.option;
    throw UsageError("no terminal to type the PIN on (" + option +
                     " is prompt); give the PIN with env:NAME or file:PATH instead");
  }
  try {
    return config::read_pin_from_terminal(tty.fd(), text);
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

// env:, file: or none given on the command line.
p11::Pin from_option(const PinSpec& spec) {
  const config::PinSource& s = spec.source;
  switch (s.kind) {
    case config::PinSource::Kind::none:
      return p11::Pin();
    case config::PinSource::Kind::env: {
      const char* text = std::getenv(s.reference.c_str());
      if (text == nullptr || *text == '\0') {
        throw UsageError(spec.option + " env:" + s.reference + ": the environment variable " + s.reference +
                         (text == nullptr ? " is not set" : " is empty"));
      }
      return p11::Pin(std::string_view(text));
    }
    case config::PinSource::Kind::file:
      try {
        return config::read_pin_file(s.reference);
      } catch (const std::runtime_error& e) {
        throw UsageError(spec.option + ": " + e.what());
      }
    case config::PinSource::Kind::value:
      return s.value.clone();  // only from a config that allows it; parse_pin_option refuses it
    case config::PinSource::Kind::prompt:
      break;
  }
  throw UsageError(spec.option + ": unknown PIN source");
}

}  // namespace

p11::Pin read_pin(const PinSpec& spec, std::string_view who, std::string_view token) {
  if (spec.source.kind == config::PinSource::Kind::prompt) {
    return prompt(spec, std::string(who) + " for token '" + std::string(token) + "': ");
  }
  if (spec.option.empty()) return config::resolve_pin(spec.source, /*interactive=*/true);
  return from_option(spec);
}

p11::Pin read_new_pin(const PinSpec& spec, std::string_view who, std::string_view token) {
  p11::Pin pin;
  if (spec.source.kind == config::PinSource::Kind::prompt) {
    pin = prompt(spec, "new " + std::string(who) + " for token '" + std::string(token) + "': ");
    const p11::Pin again = prompt(spec, "the new " + std::string(who) + " again: ");
    if (!same(pin, again)) throw UsageError("the two new " + std::string(who) + "s typed differ; nothing was changed");
  } else {
    pin = read_pin(spec, who, token);
  }
  if (pin.empty()) throw UsageError("the new " + std::string(who) + " is empty (" + spec.source.describe() + ")");
  return pin;
}

}  // namespace sslp11::cli
