// PKCS#11 modules named the way p11-kit's module registry names them
// (pkcs11.conf(5): /usr/share/p11-kit/modules/NAME.module, /etc/pkcs11/modules,
// ~/.config/pkcs11/modules), so `module = softhsm2` works where a path does.
// p11-kit's own API does the lookup: its config rules (enable-in, disable-in,
// user-config, relative module paths) stay p11-kit's, not a second copy here.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sslp11::p11 {

struct RegisteredModule {
  std::string name;  // the .module file's name without ".module"
  std::string path;  // the shared object p11-kit would load for it
};

// Every module p11-kit's registry lists and can load, sorted by name.
// (p11_kit_modules_load dlopens each to ask it; none is initialised.)
std::vector<RegisteredModule> registered_modules();

// `name_or_path` starting with '/' is a path and returned as is; anything
// else is a registered module's name and its path is returned. Throws
// LayerError(Fault::module_not_found) for a name p11-kit does not know,
// listing the names it does know.
std::string resolve_module(const std::string& name_or_path);

// Two module paths name one file (a symlink, "/usr/lib/softhsm/libsofthsm2.so"
// and the registry's multiarch path): not a conflict.
bool same_module(const std::string& a, const std::string& b);

// The module an RFC 7512 URI chooses with its query attributes
// module-path (a path) or module-name (resolved as above); nullopt when it
// names none. Both given must agree, else LayerError(Fault::bad_argument).
// A malformed URI is p11-kit's to report where the URI is parsed; here it
// names no module.
std::optional<std::string> module_of_uri(const std::string& uri);

}  // namespace sslp11::p11
