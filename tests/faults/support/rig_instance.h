// One instance of the test rig (tests/faults/fault_shim.cpp) with its
// controls: a copy of the shim under a name of its own, so that several
// instances live in one process with separate counters, faults and latency
// (dlopen() shares one instance per file). A pool's members, a failing
// cluster member next to a healthy one, a slow network HSM.
#pragma once

#include <string>

#include "pkcs11/cryptoki.h"
#include "support/test_tokens.h"

namespace sslp11::faults {

class RigInstance {
 public:
  // <token dir>/rig-<name>.so, copied from the shim and loaded (the same name
  // again in this process: the same instance).
  explicit RigInstance(const std::string& name);
  RigInstance(const RigInstance&) = delete;
  RigInstance& operator=(const RigInstance&) = delete;

  const std::string& path() const { return path_; }
  // `real` routed through this instance: module_path = path(), init_args =
  // "sslp11-fault{module=... <settings>}" + real.init_args. With
  // own_module_copy, the instance wraps a private copy of real's module
  // (<token dir>/rig-<name>-real.so): an independent instance of the token
  // library, as a second HSM would be (tested with SoftHSM).
  test::TokenSpec member(const test::TokenSpec& real, bool own_module_copy = false,
                         const std::string& settings = "") const;
  // The init string member() gives the real module `module_path`.
  static std::string init_args(const std::string& module_path, const std::string& settings = "",
                               const std::string& rest = "");
  // The instance's own function list (C_Initialize it with init_args(...)).
  CK_FUNCTION_LIST* functions() const;

  // sslp11_fault_set_latency; throws std::logic_error for an unknown name in `on`.
  void set_latency(unsigned long fixed_us, unsigned long jitter_us = 0, const char* on = "token") const;
  // sslp11_fault_set: after `after` good calls of `function`, `rv` to the next `times` (0: all).
  void inject(const char* function, CK_RV rv, unsigned long after = 0, unsigned long times = 0) const;
  // Every call answers `rv` after `after` more calls, until recover() or clear().
  void fail_all(CK_RV rv, unsigned long after = 0) const;
  // Every call is held (does not return) after `after` more calls, until
  // recover() or clear(): a member that hangs.
  void hang(unsigned long after = 0) const;
  long held_calls() const;  // calls held by hang() now
  void recover() const;     // ends fail_all() and hang()
  void clear() const;  // every fault, fail_all's too; latency stays
  unsigned long calls(const char* function) const;
  unsigned long total_calls() const;
  unsigned long thread_calls() const;  // made by the calling thread through this instance
  long peak_in_flight() const;  // most calls in flight at once since reset_peak()
  void reset_peak() const;

 private:
  template <class F>
  F control(const char* name) const;
  std::string name_;
  std::string path_;
  void* dl_ = nullptr;  // never closed: sslp11 may hold the module too
};

}  // namespace sslp11::faults
