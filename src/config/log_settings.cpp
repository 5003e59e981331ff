#include "config/log_settings.h"

#include <mutex>
#include <set>
#include <string>

namespace sslp11::config {

log::Level to_log_level(LogLevel level) {
  switch (level) {
    case LogLevel::error:
      return log::Level::error;
    case LogLevel::warn:
      return log::Level::warning;
    case LogLevel::info:
      return log::Level::info;
    case LogLevel::debug:
      break;
  }
  return log::Level::debug;
}

void apply_log_settings(const Config& cfg) noexcept {
  log::configure_from_config(to_log_level(cfg.log_level), cfg.log_destination, cfg.path);
  try {
    // Every SslOpenProvider reads the file again; its warnings are news once.
    static std::mutex mutex;
    static std::set<std::string> warned;
    std::lock_guard lock(mutex);
    if (!warned.insert(cfg.path).second) return;
    for (const auto& w : cfg.warnings) log::warning("config", w.text());
  } catch (...) {
  }
}

}  // namespace sslp11::config
