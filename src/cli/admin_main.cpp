// sslp11-admin: token and key setup for operators, and the health check of a
// configured provider. One subcommand per file; this file dispatches and
// turns failures into one stderr line and an exit code (errors.h).
#include <sslp11/sslp11.h>
#include <sslp11/version.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/errors.h"

namespace sslp11::cli {

std::span<const Command> all_commands() {
  static constexpr std::array<Command, 14> kCommands{{
      {"slots", "list slots and tokens with their flags", cmd_slots},
      {"mechanisms", "list a token's mechanisms, the TLS capability each gives, and the derivation path",
       cmd_mechanisms},
      {"init-token", "initialise a token (label, SO PIN); SoftHSM: the free slot", cmd_init_token},
      {"init-pin", "set the user PIN (the security officer logs in)", cmd_init_pin},
      {"change-pin", "change the user PIN (or, with --so, the SO PIN)", cmd_change_pin},
      {"keygen", "generate a non-extractable RSA or EC key pair on the token", cmd_keygen},
      {"import", "import a private key and/or certificate (PEM or DER), linked by CKA_ID", cmd_import},
      {"objects", "list the objects on the token", cmd_objects},
      {"delete", "delete objects by label, id or URI", cmd_delete},
      {"export", "write a certificate or public key as PEM (never a private key)", cmd_export},
      {"doctor", "check the configured token end to end and self-test its key schedule", cmd_doctor},
      {"bench", "measure session-key derivation (and record protection) on the configured token", cmd_bench},
      {"pool", "status: a token pool's members, up or down, sessions, operations running, last error", cmd_pool},
      {"pool-key", "create, copy, seal, check or import the pool key on a token pool's members", cmd_pool_key},
  }};
  return kCommands;
}

namespace {

void usage(std::ostream& out) {
  out << "usage: sslp11-admin SUBCOMMAND [options]\n"
         "       sslp11-admin help SUBCOMMAND\n\nsubcommands:\n";
  for (const Command& c : all_commands()) {
    std::string name(c.name);
    name.resize(12, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\nWhich token: --module PATH with --token URI|LABEL, --serial or --slot; otherwise the config file\n"
         "(--config, $SSLP11_CONF, $XDG_CONFIG_HOME/sslp11/sslp11.conf, /etc/sslp11/sslp11.conf) and its\n"
         "default token, where --token NAME picks [token.NAME] (or a token of that module by URI/label).\n"
         "When several tokens match (two with one label), none is taken: add --serial (or serial= in\n"
         "the config, or ;serial= in the URI).\n"
         "PINs: --pin-source / --so-pin-source env:NAME, file:PATH (mode 0600) or prompt; never on the\n"
         "command line itself.\n\n"
      << kExitCodeTable;
}

const Command* find(std::string_view name) {
  for (const Command& c : all_commands())
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

}  // namespace sslp11::cli

int main(int argc, char** argv) {
  using namespace sslp11::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    usage(std::cerr);
    return kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h") {
    usage(std::cout);
    return kExitOk;
  }
  // --version anywhere: operators try it after a subcommand too.
  if (std::find(args.begin(), args.end(), "--version") != args.end()) {
    std::cout << "sslp11-admin " << SSLP11_VERSION_STRING << " (libsslp11 extension API "
              << Sslp11GetExtensionVersion() << ")\n";
    return kExitOk;
  }
  std::string name = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (name == "help") {
    if (rest.empty()) {
      usage(std::cout);
      return kExitOk;
    }
    name = rest[0];
    rest = {"--help"};
  }
  const Command* command = find(name);
  if (command == nullptr) {
    std::cerr << "sslp11-admin: unknown subcommand '" << name << "' (sslp11-admin --help lists them)\n";
    return kExitUsage;
  }
  try {
    return command->run(rest);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "sslp11-admin " << name << ": " << one_line(e.what()) << "\n";
    return exit_code_for(e);
  }
}
