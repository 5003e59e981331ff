#include "config/config_error.h"

#include <utility>

namespace sslp11::config {

std::string location_prefix(const std::string& file, int line) {
  if (file.empty()) return {};
  if (line <= 0) return file + ": ";
  return file + ":" + std::to_string(line) + ": ";
}

ConfigError::ConfigError(std::string file, int line, std::string key, const std::string& message)
    : std::runtime_error(location_prefix(file, line) + message),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)) {}

ConfigError ConfigError::at_key(const std::string& file, int line, std::string_view section, std::string_view key,
                                std::string_view message) {
  std::string text = "key '" + std::string(key) + "'";
  if (!section.empty()) text += " in [" + std::string(section) + "]";
  text += ": ";
  text += message;
  return ConfigError(file, line, std::string(key), text);
}

std::string ConfigWarning::text() const { return location_prefix(file, line) + message; }

}  // namespace sslp11::config
