// sslp11-admin: token and slot setup for operators. One subcommand per file.
#include <boost/program_options.hpp>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/token_options.h"
#include "pkcs11/error.h"

namespace {

using Command = int (*)(const std::vector<std::string>&);

const std::map<std::string, std::pair<Command, const char*>>& commands() {
  static const std::map<std::string, std::pair<Command, const char*>> c = {
      {"slots", {sslp11::cli::cmd_slots, "list slots and tokens with their flags"}},
      {"mechanisms", {sslp11::cli::cmd_mechanisms, "list a token's mechanisms, TLS capabilities and derivation tier"}},
  };
  return c;
}

void usage(std::ostream& out) {
  out << "usage: sslp11-admin SUBCOMMAND [options]\n       sslp11-admin help SUBCOMMAND\n\nsubcommands:\n";
  for (const auto& [name, entry] : commands()) out << "  " << name << "  " << entry.second << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sslp11;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? cli::kExitUsage : cli::kExitOk;
  }
  std::string name = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (name == "help") {
    if (rest.empty()) {
      usage(std::cout);
      return cli::kExitOk;
    }
    name = rest[0];
    rest = {"--help"};
  }
  const auto it = commands().find(name);
  if (it == commands().end()) {
    std::cerr << "sslp11-admin: unknown subcommand '" << name << "'\n";
    usage(std::cerr);
    return cli::kExitUsage;
  }
  try {
    return it->second.first(rest);
  } catch (const boost::program_options::error& e) {
    std::cerr << "sslp11-admin " << name << ": " << e.what() << "\n";
    return cli::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "sslp11-admin " << name << ": " << e.what() << "\n";
    return cli::kExitFailed;
  }
}
