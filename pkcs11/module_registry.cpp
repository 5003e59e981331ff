#include "pkcs11/module_registry.h"

#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "pkcs11/error.h"
#include "pkcs11/token.h"

namespace sslp11::p11 {

namespace {

struct ModulesDeleter {
  void operator()(CK_FUNCTION_LIST** m) const noexcept { p11_kit_modules_release(m); }
};
struct CharDeleter {
  void operator()(char* s) const noexcept { std::free(s); }
};
struct UriDeleter {
  void operator()(P11KitUri* u) const noexcept { p11_kit_uri_free(u); }
};

std::string take(char* s) {
  std::unique_ptr<char, CharDeleter> owned(s);
  return owned ? std::string(owned.get()) : std::string();
}

std::string names_of(const std::vector<RegisteredModule>& modules) {
  if (modules.empty()) return "none is registered";
  std::string out = "registered: ";
  for (std::size_t i = 0; i < modules.size(); ++i) out += (i == 0 ? "" : ", ") + modules[i].name;
  return out;
}

}  // namespace

std::vector<RegisteredModule> registered_modules() {
  // Unmanaged: the plain function lists, no p11-kit proxy around them; they
  // are only asked their name and file, never initialised.
  std::unique_ptr<CK_FUNCTION_LIST*, ModulesDeleter> loaded(p11_kit_modules_load(nullptr, P11_KIT_MODULE_UNMANAGED));
  std::vector<RegisteredModule> out;
  if (!loaded) return out;  // p11-kit could not read its config: as good as no registry
  for (CK_FUNCTION_LIST** m = loaded.get(); *m != nullptr; ++m) {
    RegisteredModule r{take(p11_kit_module_get_name(*m)), take(p11_kit_module_get_filename(*m))};
    if (!r.name.empty() && !r.path.empty()) out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::string resolve_module(const std::string& name_or_path) {
  if (!name_or_path.empty() && name_or_path.front() == '/') return name_or_path;
  if (name_or_path.find('/') != std::string::npos) {
    throw LayerError(Fault::bad_argument, "PKCS#11 module '" + name_or_path +
                                              "': a path must be absolute; a name (as p11-kit registers it) has no '/'");
  }
  const auto modules = registered_modules();
  const auto it = std::find_if(modules.begin(), modules.end(), [&](const auto& m) { return m.name == name_or_path; });
  if (it != modules.end()) return it->path;
  throw LayerError(Fault::module_not_found, "no PKCS#11 module named '" + name_or_path +
                                                "' in p11-kit's module registry (" + names_of(modules) +
                                                "); give a registered name or an absolute path");
}

bool same_module(const std::string& a, const std::string& b) {
  if (a == b) return true;
  std::error_code ea, eb;
  const auto ca = std::filesystem::weakly_canonical(a, ea);
  const auto cb = std::filesystem::weakly_canonical(b, eb);
  return !ea && !eb && ca == cb;
}

std::optional<std::string> module_of_uri(const std::string& uri) {
  std::unique_ptr<P11KitUri, UriDeleter> parsed(p11_kit_uri_new());
  if (!parsed) throw LayerError(Fault::out_of_memory, "out of memory parsing a PKCS#11 URI");
  if (p11_kit_uri_parse(uri.c_str(), P11_KIT_URI_FOR_ANY, parsed.get()) != P11_KIT_URI_OK) return std::nullopt;
  const char* name = p11_kit_uri_get_module_name(parsed.get());
  const char* path = p11_kit_uri_get_module_path(parsed.get());
  if (path != nullptr && path[0] != '/') {
    throw LayerError(Fault::bad_argument, "PKCS#11 URI '" + redact_uri(uri) + "': module-path must be absolute, got '" +
                                              path + "'");
  }
  if (name == nullptr) return path != nullptr ? std::optional<std::string>(path) : std::nullopt;
  // A name holding a '/' would be taken for a path: module-name is a name.
  if (name[0] == '/') {
    throw LayerError(Fault::bad_argument, "PKCS#11 URI '" + redact_uri(uri) +
                                              "': module-name is a registered module's name; a path goes in "
                                              "module-path");
  }
  const std::string resolved = resolve_module(name);
  if (path != nullptr && !same_module(resolved, path)) {
    throw LayerError(Fault::bad_argument, "PKCS#11 URI '" + redact_uri(uri) + "': module-name '" + name +
                                              "' is " + resolved + ", not its module-path " + path);
  }
  return resolved;
}

}  // namespace sslp11::p11
