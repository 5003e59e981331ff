#include "pkcs11/module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>

#include <sslp11/winerror.h>

namespace sslp11::p11 {

namespace {

// Recursive: a Module's destructor takes it, and may run while load() holds it.
std::recursive_mutex g_registry_mutex;
// weak_ptr: the registry shares a live module but does not keep it alive.
std::map<std::string, std::weak_ptr<Module>>& registry() {
  static std::map<std::string, std::weak_ptr<Module>> r;
  return r;
}

std::string canonical(const std::string& path) {
  std::error_code ec;
  auto c = std::filesystem::canonical(path, ec);
  return ec ? path : c.string();
}

}  // namespace

std::string trim_padded(const unsigned char* field, std::size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  const auto end = s.find_last_not_of(" \0", std::string::npos, 2);
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

std::shared_ptr<Module> Module::load(const std::string& path, const std::string& init_args) {
  const std::string key = canonical(path);
  std::lock_guard lock(g_registry_mutex);
  if (auto existing = registry()[key].lock()) {
    if (existing->init_args_ != init_args) {
      throw LayerError(NTE_INVALID_PARAMETER,
                       "PKCS#11 module " + path +
                           " is already initialised in this process with a different init string; "
                           "one process can initialise a module only once");
    }
    return existing;
  }

  void* dl = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (dl == nullptr) {
    const char* why = dlerror();
    throw LayerError(NTE_PROV_DLL_NOT_FOUND,
                     "cannot load PKCS#11 module " + path + ": " + (why ? why : "unknown dlopen error"));
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(dl, "C_GetFunctionList"));
  CK_FUNCTION_LIST* fl = nullptr;
  if (get_list == nullptr || get_list(&fl) != CKR_OK || fl == nullptr) {
    dlclose(dl);
    throw LayerError(NTE_PROVIDER_DLL_FAIL, path + " is not a PKCS#11 module (no usable C_GetFunctionList)");
  }

  auto module = std::make_shared<Module>(Private{}, key, init_args, dl, fl);
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  args.pReserved = init_args.empty() ? nullptr : const_cast<char*>(module->init_args_.c_str());
  try {
    module->api_.C_Initialize(&args);
    module->we_initialised_ = true;
  } catch (const Error& e) {
    // Someone else in this process initialised it: usable, but not ours to finalise.
    if (e.rv() != CKR_CRYPTOKI_ALREADY_INITIALIZED) throw;
  }
  registry()[key] = module;
  return module;
}

Module::Module(Private, std::string path, std::string init_args, void* dl, CK_FUNCTION_LIST* fl)
    : path_(std::move(path)), init_args_(std::move(init_args)), dl_(dl), api_(fl), pid_(getpid()) {}

Module::~Module() {
  // Under the registry lock, so a concurrent load() of the same path cannot
  // C_Initialize while this C_Finalize runs (it waits, then initialises anew).
  std::lock_guard lock(g_registry_mutex);
  // After fork() the child must not finalise the parent's module state.
  if (we_initialised_ && !forked()) {
    try {
      api_.C_Finalize();
    } catch (...) {
      // Nothing useful to do at teardown.
    }
  }
  // Deliberately no dlclose: modules (NSS among them) register atexit handlers
  // and thread-locals that crash if their code is unmapped first.
}

bool Module::forked() const noexcept { return getpid() != pid_; }

std::vector<SlotDescription> Module::slots() const {
  std::vector<SlotDescription> out;
  for (CK_SLOT_ID id : api_.C_GetSlotList(false)) {
    const CK_SLOT_INFO si = api_.C_GetSlotInfo(id);
    SlotDescription d{};
    d.id = id;
    d.slot_description = trim_padded(si.slotDescription, sizeof si.slotDescription);
    d.token_present = (si.flags & CKF_TOKEN_PRESENT) != 0;
    if (d.token_present) {
      try {
        const CK_TOKEN_INFO ti = api_.C_GetTokenInfo(id);
        d.label = trim_padded(ti.label, sizeof ti.label);
        d.manufacturer = trim_padded(ti.manufacturerID, sizeof ti.manufacturerID);
        d.model = trim_padded(ti.model, sizeof ti.model);
        d.serial = trim_padded(ti.serialNumber, sizeof ti.serialNumber);
        d.token_flags = ti.flags;
      } catch (const Error&) {
        d.token_present = false;  // removed between the two calls
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace sslp11::p11
