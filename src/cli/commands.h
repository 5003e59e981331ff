#pragma once

#include <string>
#include <vector>

namespace sslp11::cli {

// Each subcommand parses its own arguments (everything after its name).
int cmd_slots(const std::vector<std::string>& args);
int cmd_mechanisms(const std::vector<std::string>& args);

}  // namespace sslp11::cli
