// Where a token's PIN comes from (`pin = ...` in [token.NAME]), and fetching
// it when a session needs to log in - not when the file is read, so that a PIN
// file or variable changed by the operator is picked up and the PIN sits in
// memory only while it is used.
//
//   pin = env:NAME     the environment variable NAME (unset or empty: error)
//   pin = file:PATH    the first line of PATH, an absolute path to a regular
//                      file that group and others cannot access (chmod 600)
//   pin = prompt       typed on the terminal without echo; only for
//                      interactive callers (sslp11-admin), never the provider
//   pin = none         the token needs no login (NSS softoken's crypto token)
//   pin = value:PIN    the PIN itself, refused unless [provider] sets
//                      allow-insecure-pin-in-file = true (then a warning)
//
// No message or log line ever contains a PIN: errors name the variable or the
// path, never what they hold.
#pragma once

#include <string>
#include <string_view>

#include "pkcs11/secure_buffer.h"

namespace sslp11::config {

struct PinSource {
  enum class Kind { none, env, file, prompt, value };

  Kind kind = Kind::prompt;  // pkcs11-tool and softhsm2-util also ask when no PIN is given
  std::string reference;     // Kind::env: the variable's name; Kind::file: the absolute path
  p11::Pin value;            // Kind::value only

  // Where this was configured, for messages: the file, the line of the `pin`
  // key (of the [token.NAME] header when the key is absent) and NAME.
  std::string file;
  int line = 0;
  std::string token;

  PinSource() = default;
  PinSource(const PinSource& other);  // clones the PIN into a fresh wiped buffer
  PinSource& operator=(const PinSource& other);
  PinSource(PinSource&&) noexcept = default;
  PinSource& operator=(PinSource&&) noexcept = default;
  ~PinSource() = default;

  bool needs_login() const noexcept { return kind != Kind::none; }
  // "env:SSLP11_PIN", "file:/etc/sslp11/hsm.pin", "prompt", "none" or
  // "value:(hidden)": safe to print.
  std::string describe() const;
};

// Parses the text of a `pin` value. Throws std::invalid_argument saying what
// was expected; the message never contains `text`. Sets kind, reference and
// value only.
PinSource parse_pin_source(std::string_view text);

// The PIN, fetched now. `interactive` is true only for a caller with a user at
// a terminal (the CLI); the provider library passes false, and `prompt` then
// fails with an error that says what to configure instead. For Kind::none the
// result is empty (check needs_login() first). Throws ConfigError naming the
// file, line, key 'pin' and the token.
p11::Pin resolve_pin(const PinSource& source, bool interactive);

// Building blocks of resolve_pin, for callers without a PinSource (e.g. a CLI
// --pin-file option). Throw std::runtime_error naming the path or the
// terminal, never the PIN.
//
// The first line of `path`, without its line ending. Refused when `path` is
// not a regular file (symbolic links are followed, as with Kubernetes secret
// volumes) or when group or others have any access to it (mode & 077).
p11::Pin read_pin_file(const std::string& path);
// Writes `prompt` to the terminal `fd` and reads one line from it with echo
// off, restoring the terminal afterwards - also when SIGINT, SIGQUIT, SIGTERM
// or SIGHUP arrives, which is then re-raised with its previous disposition.
p11::Pin read_pin_from_terminal(int fd, std::string_view prompt);

}  // namespace sslp11::config
