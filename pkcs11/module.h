// A loaded PKCS#11 module. C_Initialize runs once per path per process and
// C_Finalize once when the last user lets go; loading the same path again
// shares the instance (PKCS#11 allows one initialisation per process).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pkcs11/api.h"
#include "pkcs11/call_gate.h"

namespace sslp11::p11 {

namespace detail {
// Counts fork()s in this process image's ancestry: a module initialised at
// another count belongs to a parent process. (Here, not in the .cpp, so that
// forked() inlines: every lease asks it.)
extern std::atomic<unsigned> g_fork_generation;
}  // namespace detail

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
  // state belongs to the parent and must not be used. One atomic load (a
  // pthread_atfork child handler counts forks), so hot paths can ask.
  bool forked() const noexcept {
    return detail::g_fork_generation.load(std::memory_order_relaxed) != fork_generation_;
  }

  // Bumped by every re-initialisation: session and object handles from an
  // older epoch may name something else now (a remote module that reconnects
  // numbers its sessions and objects afresh), so they must never be used.
  std::uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_acquire); }
  // Bumped only when the module certainly dropped every session: its
  // C_Finalize succeeded, or its C_Initialize did (it had been finalised).
  // A re-initialisation whose C_Finalize failed (a device that answers
  // nothing while it is away) starts a new epoch but not a new handle space:
  // the module may still hold the older epoch's sessions, under their old
  // numbers, and closing them later is safe and needed (their objects stay
  // otherwise).
  std::uint64_t handle_space() const noexcept { return handle_space_.load(std::memory_order_acquire); }
  // Held shared by everyone calling into the module through a session lease,
  // exclusively by reinitialise(): C_Finalize must not run under a call in flight.
  CallGate& call_lock() const noexcept { return calls_; }
  // C_Finalize + C_Initialize, e.g. after p11-kit-client lost its server (it
  // connects only in C_Initialize). Does nothing if the epoch already moved
  // past `seen_epoch` (another thread did it). False when it could not: not
  // ours to re-initialise, forked, or calls stayed in flight for `wait` (a
  // thread that holds a lease itself can never get the lock; it gives up
  // instead of deadlocking).
  bool reinitialise(std::uint64_t seen_epoch, std::chrono::milliseconds wait);
  // Talks to its token over a socket (module_uses_socket): there CKR_DEVICE_ERROR
  // means the connection is gone; a local module (NSS) also uses it for bad data.
  bool uses_socket() const noexcept { return uses_socket_; }

 private:
  void initialise();  // C_Initialize with our arguments; sets we_initialised_

  std::string path_;
  std::string init_args_;
  void* dl_;
  Api api_;
  unsigned fork_generation_;
  std::atomic<bool> we_initialised_{false};  // read by reinitialise() outside the call lock
  bool uses_socket_ = false;
  std::atomic<std::uint64_t> epoch_{0};
  std::atomic<std::uint64_t> handle_space_{0};
  mutable CallGate calls_;
};

// True for modules that talk to their token over a socket (p11-kit-client):
// a peer that went away raises SIGPIPE in the calling thread, which sslp11
// must not let kill the process.
bool module_uses_socket(const std::string& path);

// PKCS#11 fixed-width, blank-padded fields -> trimmed std::string.
std::string trim_padded(const unsigned char* field, std::size_t size);

}  // namespace sslp11::p11
