// What the fault tests share: the fault-injecting shim (its controls, a token
// spec that routes a test token through it), a p11-kit server in front of a
// throwaway SoftHSM token that can be killed and restarted, and a short TLS
// 1.2 key exchange + one record through the Ssl* API that reports the first
// failing status instead of throwing.
#pragma once

#include <sslp11/sslprovider.h>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "pkcs11/cryptoki.h"
#include "support/test_tokens.h"

namespace sslp11::faults {

// ---- The shim (tests/faults/fault_shim.cpp) ----

// `real` routed through the shim: same token, module_path = the shim, and
// $SSLP11_FAULT_MODULE set to the real module.
test::TokenSpec through_shim(const test::TokenSpec& real);
// After `after` more good calls of `function`, answer `rv` to the next
// `times` calls (0: all). The shim must be loaded (a provider opened on it).
void inject(const char* function, CK_RV rv, unsigned long after = 0, unsigned long times = 0);
void clear_faults();
// Calls of `function` so far, faulty ones included.
unsigned long calls(const char* function);
std::string shim_path();

// ---- Statuses ----

std::string status_name(SECURITY_STATUS s);  // "NTE_BAD_KEY_STATE (0x8009000b)"

// ---- A key exchange and one record ----

struct Handshake {
  SECURITY_STATUS status = 0;  // first failing status, or 0
  std::string failed_call;     // which Ssl* call failed
  std::string why;             // sslp11's explanation
  NCRYPT_KEY_HANDLE write_key = 0;  // kept when keep_keys (caller frees)
};
// ECDHE P-256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: two ephemeral keys on
// the token (one stands in for the peer), master key, session keys, one
// record. Frees everything unless `keep_write_key`.
Handshake handshake(NCRYPT_PROV_HANDLE provider, bool keep_write_key = false);
// One record with `write_key`; the status.
SECURITY_STATUS encrypt_one(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE write_key, std::uint64_t seq);

// ---- A token behind p11-kit server ----

class RemoteToken {
 public:
  // A fresh SoftHSM token `label`, served by `p11-kit server` on a socket in
  // the per-process token directory; sets P11_KIT_SERVER_ADDRESS.
  explicit RemoteToken(const std::string& label);
  ~RemoteToken();
  RemoteToken(const RemoteToken&) = delete;
  RemoteToken& operator=(const RemoteToken&) = delete;

  // The spec for provider configs: p11-kit-client.so, the token's label and PIN.
  const test::TokenSpec& client_spec() const { return client_; }
  // kill -9 of the server's process group (the server and its per-connection
  // p11-kit-remote): the host went away.
  void kill();
  // Start again on the same socket; waits until it accepts connections.
  void start();
  bool running() const { return pid_ > 0; }

 private:
  test::TokenSpec served_;
  test::TokenSpec client_;
  std::string socket_;
  std::string log_;
  pid_t pid_ = -1;
};

// The p11-kit client module (Debian's path).
std::string p11_kit_client_module();

using Clock = std::chrono::steady_clock;
inline double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace sslp11::faults
