#include <iostream>

#include "cli/commands.h"
#include "cli/token_options.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {
std::string token_flags(CK_FLAGS f) {
  std::string s;
  auto add = [&s](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ",";
    s += name;
  };
  add(f & CKF_TOKEN_INITIALIZED, "initialized");
  add(f & CKF_LOGIN_REQUIRED, "login-required");
  add(f & CKF_USER_PIN_INITIALIZED, "user-pin-set");
  add(f & CKF_WRITE_PROTECTED, "write-protected");
  add(f & CKF_USER_PIN_COUNT_LOW, "user-pin-count-low");
  add(f & CKF_USER_PIN_FINAL_TRY, "user-pin-final-try");
  add(f & CKF_USER_PIN_LOCKED, "user-pin-locked");
  add(f & CKF_SO_PIN_LOCKED, "so-pin-locked");
  return s;
}
}  // namespace

int cmd_slots(const std::vector<std::string>& args) {
  TokenOptions opts;
  po::options_description desc("sslp11-admin slots: list slots and tokens");
  desc.add_options()("help", "this help");
  opts.add_to(desc);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc;
    return kExitOk;
  }
  const auto module = opts.load_module();
  const auto slots = module->slots();
  if (opts.json) {
    std::cout << "{\"module\":\"" << json_escape(module->path()) << "\",\"slots\":[";
    for (std::size_t i = 0; i < slots.size(); ++i) {
      const auto& s = slots[i];
      std::cout << (i ? "," : "") << "{\"id\":" << s.id << ",\"description\":\"" << json_escape(s.slot_description)
                << "\",\"token_present\":" << (s.token_present ? "true" : "false");
      if (s.token_present) {
        std::cout << ",\"label\":\"" << json_escape(s.label) << "\",\"serial\":\"" << json_escape(s.serial)
                  << "\",\"model\":\"" << json_escape(s.model) << "\",\"manufacturer\":\""
                  << json_escape(s.manufacturer) << "\",\"flags\":\"" << token_flags(s.token_flags) << "\"";
      }
      std::cout << "}";
    }
    std::cout << "]}\n";
    return kExitOk;
  }
  for (const auto& s : slots) {
    std::cout << "slot " << s.id << ": " << s.slot_description << "\n";
    if (!s.token_present) {
      std::cout << "  (no token)\n";
      continue;
    }
    std::cout << "  token label:  " << s.label << "\n"
              << "  serial:       " << s.serial << "\n"
              << "  model:        " << s.model << " (" << s.manufacturer << ")\n"
              << "  flags:        " << token_flags(s.token_flags) << "\n";
  }
  return kExitOk;
}

}  // namespace sslp11::cli
