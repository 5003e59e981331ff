#include "faults/support/rig_instance.h"

#include <dlfcn.h>

#include <filesystem>
#include <stdexcept>

namespace sslp11::faults {

namespace {

// A copy of `from` at `to`, unless `to` exists: overwriting a loaded
// library in place would change code under the running process.
void copy_once(const std::string& from, const std::string& to) {
  if (!std::filesystem::exists(to)) std::filesystem::copy_file(from, to);
}

}  // namespace

RigInstance::RigInstance(const std::string& name)
    : name_(name), path_(test::TestTokens::temp_dir() + "/rig-" + name + ".so") {
  copy_once(SSLP11_FAULT_SHIM_PATH, path_);
  dl_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (dl_ == nullptr) throw std::runtime_error("cannot load " + path_ + ": " + dlerror());
}

template <class F>
F RigInstance::control(const char* name) const {
  auto f = reinterpret_cast<F>(dlsym(dl_, name));
  if (f == nullptr) throw std::logic_error(path_ + " has no " + name);
  return f;
}

std::string RigInstance::init_args(const std::string& module_path, const std::string& settings,
                                   const std::string& rest) {
  std::string s = "sslp11-fault{module=" + module_path;
  if (!settings.empty()) s += " " + settings;
  return s + "}" + rest;
}

test::TokenSpec RigInstance::member(const test::TokenSpec& real, bool own_module_copy,
                                    const std::string& settings) const {
  std::string module = real.module_path;
  if (own_module_copy) {
    module = test::TestTokens::temp_dir() + "/rig-" + name_ + "-real.so";
    copy_once(real.module_path, module);
  }
  test::TokenSpec s = real;
  s.module_path = path_;
  s.init_args = init_args(module, settings, real.init_args);
  return s;
}

CK_FUNCTION_LIST* RigInstance::functions() const {
  CK_FUNCTION_LIST* list = nullptr;
  if (control<CK_C_GetFunctionList>("C_GetFunctionList")(&list) != CKR_OK || list == nullptr) {
    throw std::runtime_error(path_ + ": C_GetFunctionList failed");
  }
  return list;
}

void RigInstance::set_latency(unsigned long fixed_us, unsigned long jitter_us, const char* on) const {
  using Set = int (*)(unsigned long, unsigned long, const char*);
  if (control<Set>("sslp11_fault_set_latency")(fixed_us, jitter_us, on) != 0) {
    throw std::logic_error(std::string("the rig does not know every function in ") + on);
  }
}

void RigInstance::inject(const char* function, CK_RV rv, unsigned long after, unsigned long times) const {
  using Set = int (*)(const char*, CK_RV, unsigned long, unsigned long);
  if (control<Set>("sslp11_fault_set")(function, rv, after, times) != 0) {
    throw std::logic_error(std::string("the rig does not know ") + function);
  }
}

void RigInstance::fail_all(CK_RV rv, unsigned long after) const {
  control<void (*)(CK_RV, unsigned long)>("sslp11_fault_fail_all")(rv, after);
}

void RigInstance::hang(unsigned long after) const { control<void (*)(unsigned long)>("sslp11_fault_hang")(after); }

long RigInstance::held_calls() const { return control<long (*)()>("sslp11_fault_held_calls")(); }

void RigInstance::recover() const { control<void (*)()>("sslp11_fault_recover")(); }

void RigInstance::clear() const { control<void (*)()>("sslp11_fault_clear")(); }

unsigned long RigInstance::calls(const char* function) const {
  return control<unsigned long (*)(const char*)>("sslp11_fault_calls")(function);
}

unsigned long RigInstance::total_calls() const {
  return control<unsigned long (*)()>("sslp11_fault_total_calls")();
}

unsigned long RigInstance::thread_calls() const {
  return control<unsigned long (*)()>("sslp11_fault_thread_calls")();
}

long RigInstance::peak_in_flight() const { return control<long (*)()>("sslp11_fault_peak_in_flight")(); }

void RigInstance::reset_peak() const { control<void (*)()>("sslp11_fault_reset_peak")(); }

}  // namespace sslp11::faults
