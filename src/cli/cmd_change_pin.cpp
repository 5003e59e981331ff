// sslp11-admin change-pin: C_SetPIN for the user (or the security officer).
#include <iostream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/json.h"
#include "cli/pins.h"
#include "cli/token_session.h"
#include "pkcs11/error.h"
#include "pkcs11/login.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "change-pin", "[--so] [--new-pin-source SOURCE] [options]",
    "Change the user PIN (or with --so the security officer's): log in with the current PIN, then C_SetPIN.",
    "The current PIN comes from --pin-source (the config's `pin` by default), or with --so from\n"
    "--so-pin-source; the new one from --new-pin-source (default prompt, asked twice). Remember to\n"
    "update the PIN file or variable the provider reads afterwards.\n\n"
    "example: OLD=... NEW=... sslp11-admin change-pin --token web-tls --pin-source env:OLD "
    "--new-pin-source env:NEW"};

// What must now hold the new user PIN. The config's own source when there is
// one (even if --pin-source gave the old PIN here); else only the general rule.
std::string pin_source_reminder(const Target& target) {
  const std::string after = ", or applications using sslp11 fail to log in";
  if (!target.section) {
    return "update the PIN file or environment variable your sslp11 configuration's `pin` names" + after;
  }
  const config::PinSource& configured = target.section->pin;
  const std::string where = "[token." + target.section->name + "] of " + target.config_path;
  switch (configured.kind) {
    case config::PinSource::Kind::file:
      return "write the new PIN to " + configured.reference + " (the `pin` of " + where + ")" + after;
    case config::PinSource::Kind::env:
      return "set " + configured.reference + " to the new PIN for every process that loads sslp11 (the `pin` of " +
             where + ")" + after;
    case config::PinSource::Kind::value:
      return "put the new PIN in the `pin` of " + where + after;
    case config::PinSource::Kind::prompt:
    case config::PinSource::Kind::none:
      break;
  }
  return "the `pin` of " + where + " is " + configured.describe() +
         ": give applications the new PIN wherever they read it from";
}

}  // namespace

int cmd_change_pin(const CommandArgs& args) {
  GlobalOptions global;
  std::string new_pin_source;
  bool so = false;
  po::options_description own("change-pin options");
  own.add_options()
      ("so", po::bool_switch(&so), "change the security officer's PIN instead of the user's")
      ("new-pin-source", po::value(&new_pin_source)->value_name("SOURCE"),
       "the new PIN: env:NAME, file:PATH or prompt (default prompt)");
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  const Target target = resolve_target(global);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";
  const PinSpec new_spec = pin_spec_from_option(new_pin_source, "--new-pin-source");
  const PinSpec old_spec = so ? so_pin_spec(global) : target.user_pin;
  const CK_USER_TYPE user = so ? CKU_SO : CKU_USER;
  const std::string who = so ? "SO PIN" : "user PIN";
  if (old_spec.source.kind == config::PinSource::Kind::none) {
    throw UsageError("the current " + who + " source is none; give it with --pin-source");
  }

  const SelectedToken token = select_target_token(target);
  TokenSession session(token.module, token.slot);
  {
    const p11::Pin old_pin = read_pin(old_spec, who, token.slot.label);
    session.login(user, old_pin);
    const p11::Pin new_pin = read_new_pin(new_spec, who, token.slot.label);
    try {
      session.api().C_SetPIN(session.handle(), old_pin.bytes(), new_pin.bytes());
    } catch (const p11::Error& e) {
      if (e.rv() == CKR_PIN_LEN_RANGE || e.rv() == CKR_PIN_INVALID) {
        throw OperationError("token '" + token.slot.label + "' refused the new " + who + " (" +
                             std::string(p11::rv_name(e.rv())) + "): check its length and characters");
      }
      if (p11::is_pin_rejected(e.rv())) {
        throw OperationError(pin_rejected_message(session.api(), token.slot.id, token.slot.label, e.rv(), user));
      }
      throw;
    }
  }
  // The provider logs in with the PIN its config names, not with this one:
  // until that source holds the new PIN every application fails to log in.
  const std::string reminder = so ? std::string() : pin_source_reminder(target);
  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object().field("label", token.slot.label).field("changed", so ? "so" : "user");
    if (!so) j.field("reminder", reminder);
    j.end_object();
  } else {
    std::cout << who << " of token '" << token.slot.label << "' changed\n";
    if (!so) std::cout << "remember: " << reminder << "\n";
  }
  return kExitOk;
}

}  // namespace sslp11::cli
