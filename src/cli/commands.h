// The subcommands of sslp11-admin, one file each (cmd_NAME.cpp). Each parses
// its own arguments (everything after its name), returns an exit code
// (errors.h) and throws for failures, which admin_main.cpp prints as one line.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sslp11::cli {

using CommandArgs = std::vector<std::string>;

int cmd_slots(const CommandArgs& args);
int cmd_mechanisms(const CommandArgs& args);
int cmd_init_token(const CommandArgs& args);
int cmd_init_pin(const CommandArgs& args);
int cmd_change_pin(const CommandArgs& args);
int cmd_keygen(const CommandArgs& args);
int cmd_import(const CommandArgs& args);
int cmd_objects(const CommandArgs& args);
int cmd_delete(const CommandArgs& args);
int cmd_export(const CommandArgs& args);
int cmd_doctor(const CommandArgs& args);
int cmd_bench(const CommandArgs& args);
int cmd_pool(const CommandArgs& args);
int cmd_pool_key(const CommandArgs& args);

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const CommandArgs&);
};

// In the order `sslp11-admin --help` lists them.
std::span<const Command> all_commands();

}  // namespace sslp11::cli
