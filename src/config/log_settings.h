// Handing a loaded config's [provider] log-level / log-destination to the
// process-global logger (src/log/logger.h, which documents the rule when
// several configs disagree), and printing the config's warnings through it
// once per file and process.
#pragma once

#include "config/config.h"
#include "log/logger.h"

namespace sslp11::config {

log::Level to_log_level(LogLevel level);

// configure_from_config(...) with this config's settings, then each of
// cfg.warnings at warning level, the first time this file is applied.
void apply_log_settings(const Config& cfg) noexcept;

}  // namespace sslp11::config
