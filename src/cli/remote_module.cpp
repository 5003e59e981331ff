#include "cli/remote_module.h"

#include <cstdlib>
#include <filesystem>

#include "cli/errors.h"

namespace sslp11::cli {

namespace {

constexpr const char* kAddressVariable = "P11_KIT_SERVER_ADDRESS";

std::string library_description(const p11::Module& module) {
  const CK_INFO info = module.info();
  return p11::trim_padded(info.libraryDescription, sizeof info.libraryDescription);
}

}  // namespace

bool is_p11_kit_client(const p11::Module& module) {
  const std::string file = std::filesystem::path(module.path()).filename().string();
  if (file.rfind("p11-kit-client", 0) == 0) return true;
  return library_description(module).rfind("p11-kit (no connection)", 0) == 0;
}

void require_remote_server(const p11::Module& module) {
  if (!is_p11_kit_client(module)) return;
  // The client says "(no connection)" until a server has answered; a server
  // that answers but exports no token is the server's business, not ours.
  if (library_description(module).find("(no connection)") == std::string::npos) return;
  const char* address = std::getenv(kAddressVariable);
  const std::string context = "the p11-kit client module " + module.path() + " has no server to talk to: ";
  if (address == nullptr || *address == '\0') {
    throw UsageError(context + kAddressVariable +
                     " is not set; set it to the address `p11-kit server` printed (see "
                     "config/remote-p11-kit.conf)");
  }
  throw OperationError(context + "no p11-kit server answers at " + kAddressVariable + "=" + address +
                       " (is `p11-kit server` running there, and the socket forwarded?)");
}

std::optional<std::string> p11_kit_client_note(const p11::Module& module) {
  if (!is_p11_kit_client(module)) return std::nullopt;
  // The client reports its own version (1.1), not p11-kit's: the limit is
  // stated for the p11-kit the operator has to check.
  return std::string(
      "p11-kit's RPC client module: p11-kit 0.24 (Debian 12) does not forward the mechanism parameters of ECDH or "
      "AES-GCM/CBC, so through it no cipher suite can run (see config/remote-p11-kit.conf)");
}

}  // namespace sslp11::cli
