// p11-kit's RPC client module (config/remote-p11-kit.conf): a PKCS#11 module
// that is only a connection to a `p11-kit server` elsewhere. Without that
// server it loads fine and shows no slots, which reads as "no tokens" rather
// than "nothing to talk to"; and p11-kit 0.24 (Debian 12) does not forward
// the mechanism parameters of ECDH or AES-GCM/CBC, so through it the
// provider can offer no cipher suite.
#pragma once

#include <optional>
#include <string>

#include "pkcs11/module.h"

namespace sslp11::cli {

// True for p11-kit's client module, told by its file name or by the library
// description it reports ("p11-kit (no connection)" while it has no server).
bool is_p11_kit_client(const p11::Module& module);

// Throws when `module` is p11-kit's client and has no server to talk to:
// UsageError (exit 2) when P11_KIT_SERVER_ADDRESS is unset or empty in this
// process's environment (a configuration nothing else can complete),
// OperationError (exit 1) when it is set but no server answers there (the
// same command works once the server is up). Anything else: no-op.
void require_remote_server(const p11::Module& module);

// For doctor: what the client module cannot carry, or nullopt when `module`
// is not p11-kit's client.
std::optional<std::string> p11_kit_client_note(const p11::Module& module);

}  // namespace sslp11::cli
