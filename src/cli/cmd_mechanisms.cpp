#include <iostream>

#include "cli/commands.h"
#include "cli/token_options.h"
#include "pkcs11/capabilities.h"

namespace po = boost::program_options;

namespace sslp11::cli {

int cmd_mechanisms(const std::vector<std::string>& args) {
  TokenOptions opts;
  po::options_description desc("sslp11-admin mechanisms: a token's mechanisms and TLS capabilities");
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
  const auto slot = p11::select_token(*module, opts.selector());
  const auto caps = p11::Capabilities::probe(module->api(), slot.id);
  if (opts.json) {
    std::cout << "{\"slot\":" << slot.id << ",\"label\":\"" << json_escape(slot.label) << "\",\"tier\":\""
              << p11::tier_name(caps.tier()) << "\",\"mechanisms\":[";
    bool first = true;
    for (const auto& [type, info] : caps.mechanisms()) {
      std::cout << (first ? "" : ",") << "{\"name\":\"" << p11::mechanism_name(type) << "\",\"value\":" << type
                << ",\"min_key\":" << info.ulMinKeySize << ",\"max_key\":" << info.ulMaxKeySize
                << ",\"flags\":" << info.flags << "}";
      first = false;
    }
    std::cout << "],\"evidence\":[";
    first = true;
    for (const auto& line : caps.evidence()) {
      std::cout << (first ? "" : ",") << "\"" << json_escape(line) << "\"";
      first = false;
    }
    std::cout << "]}\n";
    return kExitOk;
  }
  std::cout << "token '" << slot.label << "' (slot " << slot.id << ", serial " << slot.serial << ")\n";
  for (const auto& line : caps.evidence()) std::cout << "  " << line << "\n";
  std::cout << "  " << caps.mechanisms().size() << " mechanisms in total\n";
  return kExitOk;
}

}  // namespace sslp11::cli
