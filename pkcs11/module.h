// A loaded PKCS#11 module. C_Initialize runs once per path per process and
// C_Finalize once when the last user lets go; loading the same path again
// shares the instance (PKCS#11 allows one initialisation per process).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "pkcs11/api.h"

namespace sslp11::p11 {

struct SlotDescription {
  CK_SLOT_ID id;
  std::string slot_description;
  bool token_present;
  // Only meaningful when token_present:
  std::string label;
  std::string manufacturer;
  std::string model;
  std::string serial;
  CK_FLAGS token_flags;
};

class Module {
 public:
  // `init_args` goes to C_Initialize's pReserved (NSS softoken's config
  // string); empty means NULL. Throws LayerError when the module cannot be
  // loaded, and p11::Error when C_Initialize fails.
  static std::shared_ptr<Module> load(const std::string& path, const std::string& init_args = {});

  struct Private {};  // lets load() use make_shared while keeping construction private
  Module(Private, std::string path, std::string init_args, void* dl, CK_FUNCTION_LIST* fl);
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  ~Module();

  const Api& api() const noexcept { return api_; }
  const std::string& path() const noexcept { return path_; }
  const std::string& init_args() const noexcept { return init_args_; }
  CK_INFO info() const { return api_.C_GetInfo(); }
  std::vector<SlotDescription> slots() const;
  // The module was initialised in another process image: after fork() its
  // state belongs to the parent and must not be used.
  bool forked() const noexcept;

 private:
  std::string path_;
  std::string init_args_;
  void* dl_;
  Api api_;
  pid_t pid_;
  bool we_initialised_ = false;
};

// PKCS#11 fixed-width, blank-padded fields -> trimmed std::string.
std::string trim_padded(const unsigned char* field, std::size_t size);

}  // namespace sslp11::p11
