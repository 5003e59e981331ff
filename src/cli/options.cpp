#include "cli/options.h"

#include <iostream>

namespace po = boost::program_options;

namespace sslp11::cli {

void GlobalOptions::add_to(po::options_description& desc) {
  desc.add_options()
      ("config", po::value(&config)->value_name("PATH"),
       "sslp11 config file (default: $SSLP11_CONF, then $XDG_CONFIG_HOME/sslp11/sslp11.conf, then "
       "/etc/sslp11/sslp11.conf)")
      ("module", po::value(&module)->value_name("NAME|PATH"),
       "PKCS#11 module to use instead of the config's: a name registered with p11-kit (softhsm2) or an absolute path")
      ("init-args", po::value(&init_args)->value_name("STRING"),
       "C_Initialize reserved string for --module (NSS softoken's configdir=...)")
      ("token", po::value(&token)->value_name("NAME|URI|LABEL"),
       "a [token.NAME] section of the config, a PKCS#11 URI (pkcs11:token=...) or a token label")
      ("serial", po::value(&serial)->value_name("SERIAL"), "token serial number")
      ("slot", po::value(&slot)->value_name("ID"), "slot id")
      ("pin-source", po::value(&pin_source)->value_name("SOURCE"),
       "user PIN: env:NAME, file:PATH, prompt or none (default: the config's pin, else prompt)")
      ("so-pin-source", po::value(&so_pin_source)->value_name("SOURCE"),
       "security officer PIN: env:NAME, file:PATH or prompt (default prompt)")
      ("json", po::bool_switch(&json), "machine-readable output")
      ("verbose,v", po::bool_switch(&verbose), "say more about what is done");
}

bool parse_command_line(const CommandInfo& info, const std::vector<std::string>& args,
                        const po::options_description& own, GlobalOptions& global,
                        const po::positional_options_description* positional) {
  po::options_description global_desc("Options of every subcommand");
  global.add_to(global_desc);
  po::options_description help_desc;
  help_desc.add_options()("help,h", "this help");
  po::options_description all;
  all.add(own).add(global_desc).add(help_desc);

  po::command_line_parser parser(args);
  parser.options(all);
  po::positional_options_description none;
  parser.positional(positional != nullptr ? *positional : none);
  po::variables_map vm;
  po::store(parser.run(), vm);
  if (vm.count("help")) {
    print_help(info, own, std::cout);
    return false;
  }
  po::notify(vm);
  return true;
}

void print_help(const CommandInfo& info, const po::options_description& own, std::ostream& out) {
  out << "usage: sslp11-admin " << info.name << " " << info.synopsis << "\n\n" << info.summary << "\n";
  if (!info.details.empty()) out << "\n" << info.details << "\n";
  out << "\n";
  if (!own.options().empty()) out << own << "\n";
  GlobalOptions unused;
  po::options_description global_desc("Options of every subcommand");
  unused.add_to(global_desc);
  out << global_desc;
}

}  // namespace sslp11::cli
