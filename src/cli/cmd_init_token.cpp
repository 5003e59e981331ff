// sslp11-admin init-token: C_InitToken with a new label and SO PIN.
#include <algorithm>
#include <array>
#include <iostream>
#include <set>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/pins.h"
#include "cli/token_session.h"
#include "pkcs11/error.h"
#include "pkcs11/login.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "init-token", "--label LABEL (--free | --slot ID | --token URI|LABEL | --serial S) [options]",
    "Initialise a token: give it a label and a security officer (SO) PIN.",
    "A new token's SO PIN is asked twice (--so-pin-source prompt, the default) or read once from\n"
    "env:NAME / file:PATH. Re-initialising an initialised token needs its current SO PIN and\n"
    "destroys every object on it: it is refused while the token holds objects, or while the\n"
    "user's private objects cannot be looked at (give --pin-source), unless --force.\n"
    "SoftHSMv2 always offers one uninitialised token (its \"free\" slot): --free picks it; SoftHSM\n"
    "then moves the new token to a new slot id, so select it by label or serial afterwards.\n"
    "Then set the user PIN with init-pin.\n\n"
    "example: SO=... sslp11-admin init-token --module /usr/lib/softhsm/libsofthsm2.so --free \\\n"
    "             --label web-tls --so-pin-source env:SO"};

struct Options {
  std::string label;
  bool free = false;
  bool force = false;
};

p11::SlotDescription pick_slot(const p11::Module& module, const Target& target, const GlobalOptions& g,
                               const Options& o) {
  if (o.free) {
    if (!g.token.empty() || !g.serial.empty() || g.slot >= 0) {
      throw UsageError("--free picks the token itself: leave out --token, --serial and --slot");
    }
    for (const auto& s : module.slots()) {
      if (s.token_present && (s.token_flags & CKF_TOKEN_INITIALIZED) == 0) return s;
    }
    throw OperationError("no uninitialised token in " + module.path() + " (--free is for SoftHSM's free slot)");
  }
  if (target.selector.empty()) {
    throw UsageError("say which token to initialise: --free, --slot ID, --serial S or --token URI|LABEL");
  }
  return p11::select_token(module, target.selector);
}

// Objects that re-initialising would destroy. Private objects are only
// visible to the user: counted when a user PIN is at hand.
struct ObjectCount {
  std::size_t visible = 0;
  bool private_counted = false;
};

ObjectCount count_objects(const SelectedToken& token, const Target& target, const GlobalOptions& g) {
  TokenSession session(token.module, token.slot);
  ObjectCount count;
  const bool has_user = (token.slot.token_flags & CKF_USER_PIN_INITIALIZED) != 0;
  // Log in when a user PIN was given: --pin-source, or a config's env:/file:
  // source (a config's prompt would surprise here).
  const auto kind = target.user_pin.source.kind;
  const bool can_login = kind != config::PinSource::Kind::none &&
                         (!g.pin_source.empty() || (target.section && kind != config::PinSource::Kind::prompt));
  if (has_user && can_login) {
    const p11::Pin pin = read_pin(target.user_pin, "user PIN", token.slot.label);
    session.login(CKU_USER, pin);
  }
  count.private_counted = !has_user || session.logged_in();
  count.visible = session.api().find_objects(session.handle(), {}).size();
  return count;
}

// The init-pin command line that reaches the new token the way this one did
// (the same --module or --config), so it can be pasted. No slot id: SoftHSM
// gives the token a new one, seen by the next process. A serial when another
// token has the same label, as the label alone is then refused.
std::string init_pin_command(const GlobalOptions& g, const std::string& label, const std::string& serial) {
  std::string c = "sslp11-admin init-pin";
  if (!g.module.empty()) {
    c += " --module " + shell_quoted(g.module);
    if (!g.init_args.empty()) c += " --init-args " + shell_quoted(g.init_args);
  } else if (!g.config.empty()) {
    c += " --config " + shell_quoted(g.config);
  }
  c += " --token " + shell_quoted(label);
  if (!serial.empty()) c += " --serial " + shell_quoted(serial);
  return c;
}

}  // namespace

int cmd_init_token(const CommandArgs& args) {
  GlobalOptions global;
  Options o;
  po::options_description own("init-token options");
  own.add_options()
      ("label", po::value(&o.label)->required()->value_name("LABEL"), "the new token label (1 to 32 bytes)")
      ("free", po::bool_switch(&o.free), "the first uninitialised token (SoftHSM's free slot)")
      ("force", po::bool_switch(&o.force), "re-initialise even if the token holds objects (destroys them)");
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  if (o.label.empty() || o.label.size() > 32) throw UsageError("--label must be 1 to 32 bytes");
  const Target target = resolve_target(global);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";
  const PinSpec so_pin = so_pin_spec(global);

  SelectedToken token;
  token.module = load_module(target);
  token.slot = pick_slot(*token.module, target, global, o);
  const p11::Api& api = token.module->api();
  const bool initialized = (token.slot.token_flags & CKF_TOKEN_INITIALIZED) != 0;

  if (initialized && !o.force) {
    const ObjectCount count = count_objects(token, target, global);
    if (count.visible != 0) {
      throw OperationError("token '" + token.slot.label + "' holds " + (count.private_counted ? "" : "at least ") +
                           std::to_string(count.visible) + " object(s), which re-initialising destroys; delete them " +
                           "or pass --force");
    }
    if (!count.private_counted) {
      throw OperationError("token '" + token.slot.label +
                           "' is initialised and may hold private objects, which re-initialising destroys; give "
                           "--pin-source so they can be counted, or --force");
    }
  }

  std::set<std::string> serials_before;
  for (const auto& s : token.module->slots())
    if (s.token_present && s.label == o.label) serials_before.insert(s.serial);

  // C_InitToken wants no open sessions on the token (ours are closed by now).
  const p11::Pin pin = initialized ? read_pin(so_pin, "SO PIN", token.slot.label)
                                   : read_new_pin(so_pin, "SO PIN", "slot " + std::to_string(token.slot.id));
  std::array<CK_UTF8CHAR, 32> label;
  label.fill(' ');
  std::copy(o.label.begin(), o.label.end(), label.begin());
  try {
    api.C_InitToken(token.slot.id, pin.bytes(), label.data());
  } catch (const p11::Error& e) {
    if (p11::is_pin_rejected(e.rv())) {
      throw OperationError(pin_rejected_message(api, token.slot.id, token.slot.label, e.rv(), CKU_SO));
    }
    if (e.rv() == CKR_SESSION_EXISTS) {
      throw OperationError("token in slot " + std::to_string(token.slot.id) +
                           " has open sessions (another application is using it); stop it and retry");
    }
    throw;
  }

  // The new token's serial (a token initialised in SoftHSM's free slot gets a fresh one).
  p11::SlotDescription now = token.slot;
  bool found = false;
  for (const auto& s : token.module->slots()) {
    if (!s.token_present || s.label != o.label || (s.token_flags & CKF_TOKEN_INITIALIZED) == 0) continue;
    if (!found || serials_before.count(s.serial) == 0) {
      now = s;
      found = true;
    }
  }
  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object()
        .field("label", o.label)
        .field("serial", now.serial)
        .field("reinitialised", initialized)
        .end_object();
    return kExitOk;
  }
  std::size_t same_label = 0;
  for (const auto& s : token.module->slots()) same_label += s.token_present && s.label == o.label;
  std::cout << "initialised token '" << o.label << "' (serial " << now.serial << ")\n"
            << "next: set the user PIN with " << init_pin_command(global, o.label, same_label > 1 ? now.serial : "")
            << "\n";
  return kExitOk;
}

}  // namespace sslp11::cli
