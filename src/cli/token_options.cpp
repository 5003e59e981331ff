#include "cli/token_options.h"

#include <cstdio>
#include <stdexcept>

namespace po = boost::program_options;

namespace sslp11::cli {

void TokenOptions::add_to(po::options_description& desc) {
  desc.add_options()
      ("module", po::value(&module), "PKCS#11 module path")
      ("init-args", po::value(&init_args), "C_Initialize pReserved string (NSS softoken)")
      ("token", po::value(&token), "token as PKCS#11 URI or label")
      ("serial", po::value(&serial), "token serial number")
      ("slot", po::value(&slot), "slot id")
      ("json", po::bool_switch(&json), "machine-readable output");
}

std::shared_ptr<p11::Module> TokenOptions::load_module() const {
  if (module.empty()) throw po::error("--module is required");
  return p11::Module::load(module, init_args);
}

p11::TokenSelector TokenOptions::selector() const {
  p11::TokenSelector s;
  if (token.rfind("pkcs11:", 0) == 0) {
    s.uri = token;
  } else {
    s.label = token;
  }
  s.serial = serial;
  if (slot >= 0) s.slot = static_cast<CK_SLOT_ID>(slot);
  return s;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace sslp11::cli
