#include "pkcs11/module.h"

#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "log/logger.h"

namespace sslp11::p11 {

namespace detail {
std::atomic<unsigned> g_fork_generation{0};
}  // namespace detail

namespace {

// Recursive: a Module's destructor takes it, and may run while load() holds it.
std::recursive_mutex g_registry_mutex;
// weak_ptr: the registry shares a live module but does not keep it alive.
std::map<std::string, std::weak_ptr<Module>>& registry() {
  static std::map<std::string, std::weak_ptr<Module>> r;
  return r;
}

void count_fork_in_child() { detail::g_fork_generation.fetch_add(1, std::memory_order_relaxed); }
std::once_flag g_atfork_once;

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
  std::call_once(g_atfork_once, [] { pthread_atfork(nullptr, nullptr, count_fork_in_child); });
  const std::string key = canonical(path);
  std::lock_guard lock(g_registry_mutex);
  bool parent_initialised = false;
  if (auto existing = registry()[key].lock()) {
    if (existing->forked()) {
      // fork() after the parent loaded it: this process holds a copy of the
      // parent's module state (sessions, sockets) that must not be used here.
      // Leave that instance to the parent's handles (they fail cleanly) and
      // initialise the module afresh for this process.
      parent_initialised = existing->we_initialised_;
    } else {
      if (existing->init_args_ != init_args) {
        throw LayerError(Fault::bad_argument,
                         "PKCS#11 module " + path +
                             " is already initialised in this process with a different init string; "
                             "one process can initialise a module only once");
      }
      return existing;
    }
  }
  if (module_uses_socket(key)) block_sigpipe_during_calls();

  void* dl = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (dl == nullptr) {
    const char* why = dlerror();
    throw LayerError(Fault::module_not_found,
                     "cannot load PKCS#11 module " + path + ": " + (why ? why : "unknown dlopen error"));
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(dl, "C_GetFunctionList"));
  CK_FUNCTION_LIST* fl = nullptr;
  if (get_list == nullptr || get_list(&fl) != CKR_OK || fl == nullptr) {
    dlclose(dl);
    throw LayerError(Fault::not_a_module, path + " is not a PKCS#11 module (no usable C_GetFunctionList)");
  }

  auto module = std::make_shared<Module>(Private{}, key, init_args, dl, fl);
  module->uses_socket_ = module_uses_socket(key);
  try {
    module->initialise();
  } catch (const Error& e) {
    if (e.rv() != CKR_CRYPTOKI_ALREADY_INITIALIZED) throw;
    if (parent_initialised) {
      // A fork-unaware module still holds the parent's state: reset this
      // process's copy (the parent's own state lives in its own memory).
      try {
        module->api_.C_Finalize();
      } catch (const Error&) {
      }
      module->initialise();
    }
    // Otherwise someone else in this process initialised it: usable, but not ours to finalise.
  }
  registry()[key] = module;
  return module;
}

void Module::initialise() {
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  args.pReserved = init_args_.empty() ? nullptr : const_cast<char*>(init_args_.c_str());
  api_.C_Initialize(&args);
  we_initialised_ = true;
}

bool Module::reinitialise(std::uint64_t seen_epoch, std::chrono::milliseconds wait) {
  if (!we_initialised_ || forked()) return false;
  std::unique_lock exclusive(calls_, std::defer_lock);
  if (!exclusive.try_lock_for(wait)) return epoch() != seen_epoch;
  if (epoch() != seen_epoch) return true;
  bool finalised = false;
  try {
    api_.C_Finalize();
    finalised = true;
  } catch (const Error&) {
    // A module that lost its connection may say so here too; initialising again is what matters.
  }
  // Before C_Initialize: even if that fails, no older handle is used again.
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  if (finalised) handle_space_.fetch_add(1, std::memory_order_acq_rel);
  log::info("module", path_, ": token connection lost, re-initialising the module (epoch ", epoch(), ")");
  try {
    initialise();
    // Initialised anew: whatever its C_Finalize said, the old sessions are gone.
    if (!finalised) handle_space_.fetch_add(1, std::memory_order_acq_rel);
  } catch (const Error& e) {
    // Uninitialised now: calls answer CKR_CRYPTOKI_NOT_INITIALIZED, which
    // brings the next caller back here. (CKR_CRYPTOKI_ALREADY_INITIALIZED:
    // it was never finalised, and still holds the old sessions.)
    if (e.rv() != CKR_CRYPTOKI_ALREADY_INITIALIZED) return true;
  }
  return true;
}

bool module_uses_socket(const std::string& path) {
  const std::string name = std::filesystem::path(path).filename().string();
  return name.rfind("p11-kit-client", 0) == 0 || name.rfind("p11-kit-proxy", 0) == 0;
}

Module::Module(Private, std::string path, std::string init_args, void* dl, CK_FUNCTION_LIST* fl)
    : path_(std::move(path)),
      init_args_(std::move(init_args)),
      dl_(dl),
      api_(fl),
      fork_generation_(detail::g_fork_generation.load(std::memory_order_relaxed)) {}

Module::~Module() {
  // Under the registry lock, so a concurrent load() of the same path cannot
  // C_Initialize while this C_Finalize runs (it waits, then initialises anew).
  std::lock_guard lock(g_registry_mutex);
  // After fork() the child must not finalise the parent's module state.
  // (A re-initialised module that failed its C_Initialize answers
  // CKR_CRYPTOKI_NOT_INITIALIZED here; harmless.)
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
