// sslp11-admin init-pin: the security officer sets the user PIN (C_InitPIN).
#include <iostream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/json.h"
#include "cli/pins.h"
#include "cli/token_session.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "init-pin", "[options]", "Set the token's user PIN: the security officer logs in and runs C_InitPIN.",
    "The SO PIN comes from --so-pin-source (default prompt). The new user PIN comes from\n"
    "--pin-source, or else from the config's `pin` for the token, so the provider can log in with\n"
    "exactly what it is configured to read; prompt asks twice.\n\n"
    "example: SO=... PIN=... sslp11-admin init-pin --token web-tls --so-pin-source env:SO --pin-source env:PIN"};

}  // namespace

int cmd_init_pin(const CommandArgs& args) {
  GlobalOptions global;
  po::options_description own;
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  const Target target = resolve_target(global);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";
  const PinSpec so_pin = so_pin_spec(global);
  if (target.user_pin.source.kind == config::PinSource::Kind::none) {
    throw UsageError("the user PIN source is none; give the new user PIN with --pin-source env:NAME, file:PATH or "
                     "prompt");
  }
  const SelectedToken token = select_target_token(target);
  if ((token.slot.token_flags & CKF_TOKEN_INITIALIZED) == 0) {
    throw OperationError("the token in slot " + std::to_string(token.slot.id) +
                         " is not initialised: run sslp11-admin init-token first");
  }
  TokenSession session(token.module, token.slot);
  {
    const p11::Pin so = read_pin(so_pin, "SO PIN", token.slot.label);
    session.login(CKU_SO, so);
  }
  const p11::Pin user = read_new_pin(target.user_pin, "user PIN", token.slot.label);
  session.api().C_InitPIN(session.handle(), user.bytes());
  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object().field("label", token.slot.label).field("user_pin_set", true).end_object();
  } else {
    std::cout << "user PIN of token '" << token.slot.label << "' set\n";
  }
  return kExitOk;
}

}  // namespace sslp11::cli
