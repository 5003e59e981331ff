// TLS 1.2 key schedules through the Ssl* API, one named step per Ssl* call,
// that stop at the first failing call instead of throwing and keep what the
// peer's side needs afterwards. Two tests use them:
//  * object_attributes_test: a hook around every call (the recording shim's
//    step number before, a read-back of every live token object after);
//  * wipe_faults_test: a token call made to fail somewhere inside a schedule;
//    what the run got as far as (randoms, our public value, the encrypted
//    pre-master, or the token's random pre-master seen by the recording
//    shim) is enough for OpenSSL to recompute every secret the provider
//    held, even though the provider's run failed.
// Like schedules.h, nothing here computes a secret before learn().
#pragma once

#include <sslp11/sslprovider.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/support/server_key.h"
#include "core/support/ssl_calls.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls_prf.h"
#include "support/suite_facts.h"
#include "secrets/support/secret_patterns.h"

namespace sslp11::secretstest {

// Runs Ssl* calls in order until one fails; that one's status, name and
// sslp11's explanation are kept.
class Calls {
 public:
  explicit Calls(NCRYPT_PROV_HANDLE p) : p_(p) {}
  NCRYPT_PROV_HANDLE p() const { return p_; }

  // Around every call (either may be empty): `before` gets the step name
  // ("<prefix><call>"), `after` the name and the status.
  std::function<void(const std::string&)> before;
  std::function<void(const std::string&, SECURITY_STATUS)> after;
  std::string prefix;  // e.g. "ecdhe-client: "

  // False once a call has failed (then `f` is not called at all).
  template <class F>
  bool operator()(std::string_view call, F&& f) {
    if (failed()) return false;
    const std::string name = prefix + std::string(call);
    if (before) before(name);
    const SECURITY_STATUS s = f();
    if (after) after(name, s);
    if (s != ERROR_SUCCESS) fail(name, s);
    return s == ERROR_SUCCESS;
  }
  // A call whose failure is not the run's (an expected error, a free): it
  // runs with the hooks even after a failure; its status is returned, not kept.
  template <class F>
  SECURITY_STATUS unchecked(std::string_view call, F&& f) {
    const std::string name = prefix + std::string(call);
    if (before) before(name);
    const SECURITY_STATUS s = f();
    if (after) after(name, s);
    return s;
  }

  bool failed() const { return status_ != ERROR_SUCCESS; }
  SECURITY_STATUS status() const { return status_; }
  const std::string& failed_call() const { return failed_call_; }
  const std::string& why() const { return why_; }
  std::string failure() const;  // "<call>: 0x... <why>", or ""
  void clear_failure();

 private:
  void fail(const std::string& call, SECURITY_STATUS s);
  NCRYPT_PROV_HANDLE p_;
  SECURITY_STATUS status_ = ERROR_SUCCESS;
  std::string failed_call_, why_;
};

enum class Exchange { ecdhe, dhe, rsa_client, rsa_server };

// One schedule: the provider's objects, and what the peer's side keeps.
struct SteppedRun {
  std::string name;  // "ecdhe-client", for reports
  Exchange exchange = Exchange::ecdhe;
  const coretest::SuiteFacts* suite = nullptr;
  bool client = true;
  coretest::Bytes client_random, server_random;
  std::optional<coretest::Bytes> session_hash;  // EMS

  coretest::SslObject ephemeral, peer_public, premaster, master, read, write;

  // The peer's side, filled as far as the run got.
  const coretest::CurveFacts* curve = nullptr;         // ECDHE
  std::shared_ptr<coretest::Pkey> peer;                // ECDHE / DHE: the peer's key pair
  coretest::Bytes our_public;                          // our EC point / DH Y, once exported
  EVP_PKEY* peer_server = nullptr;                     // RSA client: OpenSSL's server key
  coretest::Bytes encrypted_pre_master;                // RSA client: once returned
  const coretest::Bytes* chosen_pre_master = nullptr;  // RSA server: the test's (nullptr: bad ciphertext)
  // 48-byte C_GenerateRandom outputs of the run (the recording shim's copies),
  // set by the test after the run: the token's random pre-master of an RSA
  // client or of a refused RSA ciphertext.
  std::vector<coretest::Bytes> token_randoms;

  coretest::Bytes randoms() const { return coretest::concat(client_random, server_random); }

  // learn(): OpenSSL's copies of everything the run's secrets can be -- the
  // pre-master when the peer's side determines it, else one candidate per
  // token random (its first two bytes replaced by the version 03 03), and
  // the master secret and key block of each. Call only after the run.
  struct Learnt {
    std::string what;  // "pre-master" or "token random #2 as pre-master"
    coretest::Bytes pre_master, master_secret, key_block;
  };
  std::vector<Learnt> learnt;
  void learn();
  void add_secrets_to(SecretSet& set) const;
  bool knows_secrets() const { return !learnt.empty(); }

  // SslFreeObject of every object of the run (through `c` when given).
  void free_all(Calls* c = nullptr);
};

SteppedRun start_run(const std::string& name, Exchange exchange, const coretest::SuiteFacts& suite, bool client,
                     bool ems);

// The schedules up to the master key. Each returns false at the first failure.
bool ecdhe(Calls& c, SteppedRun& r, const coretest::CurveFacts& curve);
bool dhe(Calls& c, SteppedRun& r);  // ffdhe2048
// RSA client: with `via_pre_master`, SslGeneratePreMasterKey then
// SslGenerateMasterKey(pre-master); else one SslGenerateMasterKey that returns
// the encrypted pre-master.
bool rsa_client(Calls& c, SteppedRun& r, EVP_PKEY* peer_server, bool via_pre_master);
// RSA server: SslImportMasterKey of `ciphertext`; `pre_master` is the test's
// plaintext (pointed at, never copied), nullptr for a bad ciphertext.
bool rsa_server(Calls& c, SteppedRun& r, const coretest::ServerRsaKey& server, const coretest::Bytes& ciphertext,
                const coretest::Bytes* pre_master);

bool session_keys(Calls& c, SteppedRun& r);
// One record with the write key, and Finished (handshake hash included).
bool record_and_finished(Calls& c, SteppedRun& r);

// The suite's facts if the provider offers it, else nullptr.
const coretest::SuiteFacts* suite_if_offered(NCRYPT_PROV_HANDLE p, DWORD id);

}  // namespace sslp11::secretstest
