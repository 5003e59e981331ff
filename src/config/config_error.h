// The one error type of the configuration layer. Every message names the file,
// the line and the key, and says what was expected:
//   /etc/sslp11/sslp11.conf:12: key 'pool-size' in [token.hsm]: expected an
//   integer from 1 to 1024, got 'lots'
// A PIN is never part of a message: callers pass values of the `pin` key to
// nobody, and the INI reader never quotes a line it could not parse.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace sslp11::config {

class ConfigError : public std::runtime_error {
 public:
  // what() is "FILE:LINE: MESSAGE"; ":LINE" is left out when line is 0 (the
  // problem is the file as a whole) and "FILE: " when file is empty (no file
  // was found).
  ConfigError(std::string file, int line, std::string key, const std::string& message);

  // "FILE:LINE: key 'KEY' in [SECTION]: MESSAGE"
  static ConfigError at_key(const std::string& file, int line, std::string_view section, std::string_view key,
                            std::string_view message);

  const std::string& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }   // 1-based; 0 = not tied to a line
  const std::string& key() const noexcept { return key_; }  // "" when no key is involved

 private:
  std::string file_;
  int line_;
  std::string key_;
};

// A problem that does not stop loading, e.g. a PIN written in the file. The
// provider's logger prints text().
struct ConfigWarning {
  std::string file;
  int line = 0;
  std::string key;
  std::string message;

  std::string text() const;  // formatted like ConfigError::what()
};

// "FILE:LINE: " / "FILE: " / "" - the prefix of every message.
std::string location_prefix(const std::string& file, int line);

}  // namespace sslp11::config
