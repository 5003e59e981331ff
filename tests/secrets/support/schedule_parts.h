// What the two kinds of key schedule of the secrets tests share: the plain
// ones of schedules.h and the stepped ones of stepped_schedules.h. Internal to
// tests/secrets/support; defined in schedules.cpp.
//
// The templates take a Schedule or a SteppedRun: anything with name, suite,
// client, client_random, server_random and session_hash.
#pragma once

#include <sslp11/sslprovider.h>

#include <string>

#include "core/support/ssl_calls.h"
#include "support/oracle/keys.h"
#include "support/oracle/tls_prf.h"
#include "support/suite_facts.h"

namespace sslp11::secretstest {

constexpr DWORD kTls12 = TLS1_2_PROTOCOL_VERSION;

// RFC 7919 ffdhe2048, cross-checked against OpenSSL's copy of the group.
const coretest::Bytes& ffdhe2048_p();
const coretest::Bytes& ffdhe2048_g();

// The key block's length: both MAC keys, both keys, both fixed IVs.
std::size_t key_block_bytes(const coretest::SuiteFacts& suite);
// The oracle's key block of `master_secret` (TLS1-PRF "key expansion").
coretest::Bytes key_block(const coretest::SuiteFacts& suite, const coretest::Bytes& master_secret,
                          const coretest::Bytes& client_random, const coretest::Bytes& server_random);

// The pre-master OpenSSL, as the RSA server, opens from the client's
// encrypted one; throws unless it is 48 bytes.
coretest::Bytes open_client_pre_master(EVP_PKEY* peer_server, const coretest::Bytes& encrypted);

// Whether SslEnumCipherSuites offers `id`.
bool offers_suite(NCRYPT_PROV_HANDLE p, DWORD id);

// A run named `name` with fresh randoms (and a session hash for EMS).
template <class Run>
Run start_schedule(const std::string& name, const coretest::SuiteFacts& suite, bool client, bool ems) {
  Run r;
  r.name = name;
  r.suite = &suite;
  r.client = client;
  r.client_random = coretest::random_bytes(32);
  r.server_random = coretest::random_bytes(32);
  if (ems) r.session_hash = coretest::random_bytes(coretest::hash_bytes(suite.prf));
  return r;
}

template <class Run>
DWORD role_flag(const Run& r) {
  return r.client ? NCRYPT_SSL_CLIENT_FLAG : NCRYPT_SSL_SERVER_FLAG;
}

// SslGenerateMasterKey / SslImportMasterKey's parameters: the session hash
// (EMS) or both randoms.
template <class Run>
coretest::ParamList master_params(const Run& r) {
  coretest::ParamList params;
  if (r.session_hash) {
    params.add(NCRYPTBUFFER_SSL_SESSION_HASH, *r.session_hash);
  } else {
    params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, r.client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, r.server_random);
  }
  return params;
}

// SslGenerateSessionKeys' parameters: both randoms.
template <class Run>
coretest::ParamList session_key_params(const Run& r) {
  coretest::ParamList params;
  params.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, r.client_random).add(NCRYPTBUFFER_SSL_SERVER_RANDOM, r.server_random);
  return params;
}

}  // namespace sslp11::secretstest
