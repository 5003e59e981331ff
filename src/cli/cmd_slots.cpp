// sslp11-admin slots: every slot of the module and the token in it.
#include <iostream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/target.h"
#include "cli/token_session.h"
#include "pkcs11/module.h"
#include "pkcs11/uri_attributes.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

constexpr CommandInfo kInfo{
    "slots", "[options]", "List the module's slots and the tokens in them, with their flags.",
    "The module is --module, or the one of the config's token section.\n"
    "Flags: initialized, login-required, user-pin-set, write-protected, and the PIN retry\n"
    "counters (user-pin-count-low, user-pin-final-try, user-pin-locked, so-pin-...).\n\n"
    "example: sslp11-admin slots --module /usr/lib/softhsm/libsofthsm2.so"};

struct Row {
  p11::SlotDescription slot;
  CK_SLOT_INFO slot_info{};
  CK_TOKEN_INFO token_info{};
};

std::string version_text(const CK_VERSION& v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

}  // namespace

int cmd_slots(const CommandArgs& args) {
  GlobalOptions global;
  po::options_description own;
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  const Target target = resolve_target(global);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";
  const auto module = load_module(target);

  std::vector<Row> rows;
  for (const auto& s : module->slots()) {
    Row r{s};
    r.slot_info = module->api().C_GetSlotInfo(s.id);
    if (s.token_present) r.token_info = module->api().C_GetTokenInfo(s.id);
    rows.push_back(r);
  }
  const CK_INFO info = module->info();
  const std::string library = p11::trim_padded(info.libraryDescription, sizeof info.libraryDescription);

  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object().field("module", module->path()).field("library", library).key("slots").begin_array();
    for (const Row& r : rows) {
      j.begin_object()
          .field("id", static_cast<std::uint64_t>(r.slot.id))
          .field("description", r.slot.slot_description)
          .string_array("slot_flags", slot_flag_names(r.slot_info.flags))
          .field("token_present", r.slot.token_present);
      if (r.slot.token_present) {
        j.key("token")
            .begin_object()
            .field("label", r.slot.label)
            .field("uri", p11::token_uri(r.token_info))
            .field("serial", r.slot.serial)
            .field("model", r.slot.model)
            .field("manufacturer", r.slot.manufacturer)
            .field("initialized", (r.slot.token_flags & CKF_TOKEN_INITIALIZED) != 0)
            .string_array("flags", token_flag_names(r.slot.token_flags))
            .field("min_pin", static_cast<std::uint64_t>(r.token_info.ulMinPinLen))
            .field("max_pin", static_cast<std::uint64_t>(r.token_info.ulMaxPinLen))
            .end_object();
      }
      j.end_object();
    }
    j.end_array().end_object();
    return kExitOk;
  }
  std::cout << "module " << module->path() << " (" << library << ", PKCS#11 " << version_text(info.cryptokiVersion)
            << ")\n";
  if (rows.empty()) std::cout << "no slots\n";
  for (const Row& r : rows) {
    std::cout << "slot " << r.slot.id << ": " << r.slot.slot_description << "\n";
    if (!r.slot.token_present) {
      std::cout << "  (no token)\n";
      continue;
    }
    const bool initialized = (r.slot.token_flags & CKF_TOKEN_INITIALIZED) != 0;
    std::cout << "  token label:  " << (initialized ? r.slot.label : "(not initialised)") << "\n"
              << "  uri:          " << p11::token_uri(r.token_info) << "\n"
              << "  serial:       " << r.slot.serial << "\n"
              << "  model:        " << r.slot.model << " (" << r.slot.manufacturer << ")\n"
              << "  flags:        " << token_flags_text(r.slot.token_flags) << "\n";
    if (global.verbose) {
      std::cout << "  PIN length:   " << r.token_info.ulMinPinLen << ".." << r.token_info.ulMaxPinLen << "\n"
                << "  slot flags:   " << slot_flags_text(r.slot_info.flags) << "\n";
    }
  }
  return kExitOk;
}

}  // namespace sslp11::cli
