#include "cli/errors.h"

#include <boost/program_options/errors.hpp>

#include "cli/key_formats.h"
#include "config/config_error.h"
#include "pkcs11/error.h"

namespace sslp11::cli {

int exit_code_for(const std::exception& e) noexcept {
  if (dynamic_cast<const UsageError*>(&e) != nullptr) return kExitUsage;
  if (dynamic_cast<const InterruptedError*>(&e) != nullptr) return kExitInterrupted;
  if (dynamic_cast<const config::ConfigError*>(&e) != nullptr) return kExitUsage;
  if (dynamic_cast<const boost::program_options::error*>(&e) != nullptr) return kExitUsage;
  // A key or certificate file that does not parse is the operator's input.
  if (dynamic_cast<const FormatError*>(&e) != nullptr) return kExitUsage;
  if (const auto* layer = dynamic_cast<const p11::LayerError*>(&e)) {
    // The module path (from the config or --module) names nothing loadable,
    // or a file that is no PKCS#11 module: both the configuration's error.
    if (layer->fault() == p11::Fault::module_not_found) return kExitUsage;
    if (layer->fault() == p11::Fault::not_a_module) return kExitUsage;
    // A malformed --token URI or module path.
    if (layer->fault() == p11::Fault::bad_argument) return kExitUsage;
  }
  return kExitFailed;
}

std::string one_line(std::string message) {
  std::string out;
  out.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == '\r') continue;
    if (c == '\n') {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      if (i + 1 < message.size() && !out.empty()) out += "; ";
      continue;
    }
    out += (c == '\t') ? ' ' : c;
  }
  return out;
}

}  // namespace sslp11::cli
