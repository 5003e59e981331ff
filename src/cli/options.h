// The options every subcommand takes, and parsing one subcommand's command
// line (its own options plus these) with Boost.Program_options.
#pragma once

#include <boost/program_options.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace sslp11::cli {

struct GlobalOptions {
  std::string config;         // --config PATH
  std::string module;         // --module NAME|PATH: use this module, not the config
  std::string init_args;      // --init-args: C_Initialize pReserved (NSS softoken), with --module
  std::string token;          // --token: [token.NAME] section, PKCS#11 URI or label
  std::string serial;         // --serial
  long slot = -1;             // --slot
  std::string pin_source;     // --pin-source: user PIN (env:NAME, file:PATH, prompt, none)
  std::string so_pin_source;  // --so-pin-source: security officer PIN
  bool json = false;          // --json
  bool verbose = false;       // --verbose

  void add_to(boost::program_options::options_description& desc);
};

// What `sslp11-admin help SUBCOMMAND` prints besides the options.
struct CommandInfo {
  std::string_view name;
  std::string_view synopsis;  // after "sslp11-admin NAME "
  std::string_view summary;   // one line
  std::string_view details;   // paragraphs and examples, '\n'-separated
};

// Parses `args` (everything after the subcommand name) into `own`'s variables
// and `global`. Returns false when --help was given: the help has been
// printed and the subcommand should exit 0. Throws boost::program_options
// errors (exit 2) for anything malformed.
bool parse_command_line(const CommandInfo& info, const std::vector<std::string>& args,
                        const boost::program_options::options_description& own, GlobalOptions& global,
                        const boost::program_options::positional_options_description* positional = nullptr);

void print_help(const CommandInfo& info, const boost::program_options::options_description& own, std::ostream& out);

}  // namespace sslp11::cli
