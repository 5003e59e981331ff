// TLS 1.2 key schedules through the Ssl* API with the peer played by OpenSSL,
// in two steps so a test can look at the process between them:
//   1. run_*(): only Ssl* calls (plus the peer's public-key work); the test's
//      copies of the secrets do not exist yet, except an RSA server's
//      pre-master, which the test chooses before encrypting it;
//   2. learn(): OpenSSL recomputes the pre-master, the master secret and the
//      key block from the peer's side (coretest's oracle: TLS1-PRF).
// Failures throw std::runtime_error naming the call (coretest::require_ok).
#pragma once

#include <sslp11/sslprovider.h>

#include <functional>
#include <optional>
#include <string>

#include "core/support/server_key.h"
#include "core/support/ssl_calls.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls_prf.h"
#include "support/suite_facts.h"
#include "secrets/support/secret_patterns.h"

namespace sslp11::secretstest {

struct Schedule {
  std::string name;  // e.g. "ecdhe-client", for reports
  const coretest::SuiteFacts* suite = nullptr;
  bool client = true;
  coretest::SslObject master, read, write;
  Bytes client_random, server_random;
  std::optional<Bytes> session_hash;  // EMS

  // The oracle's copies, filled by learn().
  Bytes pre_master, master_secret, key_block;
  coretest::ExpectedKeys keys;

  std::function<Bytes()> derive_pre_master;  // the peer's side, set by run_*()

  Bytes randoms() const { return coretest::concat(client_random, server_random); }
  void learn();
  // "<name> pre-master", "<name> master secret", "<name> key block".
  void add_secrets_to(SecretSet& set) const;
  // Frees the master and session keys (SslFreeObject).
  void free_keys();
};

// The suite's facts; throws if the provider does not offer it.
const coretest::SuiteFacts& offered_suite(NCRYPT_PROV_HANDLE p, DWORD id);

Schedule run_ecdhe(NCRYPT_PROV_HANDLE p, const coretest::SuiteFacts& suite, const coretest::CurveFacts& curve,
                   bool client, bool ems);
// ffdhe2048.
Schedule run_dhe(NCRYPT_PROV_HANDLE p, const coretest::SuiteFacts& suite, bool client, bool ems);
// The server's key pair is `peer_server` (OpenSSL), imported as a public blob.
Schedule run_rsa_client(NCRYPT_PROV_HANDLE p, const coretest::SuiteFacts& suite, EVP_PKEY* peer_server, bool ems);
// SslImportMasterKey of `encrypted_pre_master`. The test knows `pre_master`
// when it encrypted it (pass nullptr for a bad ciphertext, whose pre-master is
// the token's random one and unknown); it is only pointed at, never copied,
// so that no copy of the test's is freed while a wipe check watches.
Schedule run_rsa_server(NCRYPT_PROV_HANDLE p, const coretest::SuiteFacts& suite, const coretest::ServerRsaKey& server,
                        const Bytes& encrypted_pre_master, const Bytes* pre_master, bool ems);

}  // namespace sslp11::secretstest
