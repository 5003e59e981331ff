// Proving what is inside the token objects behind sslp11 handles without
// reading them: a write key is recognised by a known encryption (AES-GCM,
// AES-CBC, ChaCha20-Poly1305) compared with OpenSSL under the expected key, a
// MAC key by a C_Sign HMAC compared with OpenSSL's, and every secret must
// refuse CKA_VALUE, be non-extractable and be a session object.
//
// Reaching the objects behind a handle (abi::HandleTable) is allowed in tests
// only.
#pragma once

#include <gtest/gtest.h>
#include <sslp11/sslprovider.h>

#include <string>

#include "pkcs11/session_pool.h"
#include "support/oracle/bytes.h"
#include "support/oracle/tls_prf.h"
#include "support/suite_facts.h"

namespace sslp11::coretest {

using namespace ::sslp11::oracle;

// What one session key computes compared with the oracle. Token or lookup
// failures throw (so "does not match" is never the result of an error).
struct KeyComparison {
  bool write_flag_ok = false;
  bool cipher_ok = false;
  bool has_mac = false;  // the suite has a record MAC key
  bool mac_ok = false;   // for AEAD suites: true when the object has no MAC key
  bool has_iv = false;   // the suite takes a fixed IV from the key block
  bool iv_ok = false;
  std::string detail;  // what differed
  bool all() const { return write_flag_ok && cipher_ok && mac_ok && iv_ok; }
  // Any secret part of the key block equal to the expected one.
  bool any_secret_matches() const { return cipher_ok || (has_mac && mac_ok) || (has_iv && iv_ok); }
};
KeyComparison compare_session_key(NCRYPT_KEY_HANDLE handle, const SuiteFacts& suite, const DirectionKeys& expected,
                                  bool expect_write);
// The same for raw token objects of one direction (e.g. a core::KeyBlock);
// `mac` may be CK_INVALID_HANDLE. write_flag_ok is set to true.
KeyComparison compare_key_objects(const p11::Lease& lease, CK_OBJECT_HANDLE cipher, CK_OBJECT_HANDLE mac,
                                  ByteView fixed_iv, const SuiteFacts& suite, const DirectionKeys& expected);

// Both directions at once: for a client the write key is client_write, the
// read key server_write; for a server the reverse.
::testing::AssertionResult session_keys_match(NCRYPT_KEY_HANDLE read, NCRYPT_KEY_HANDLE write, const SuiteFacts& suite,
                                              const ExpectedKeys& expected, bool client);

// CKA_VALUE refused, CKA_EXTRACTABLE false, CKA_TOKEN false.
::testing::AssertionResult secret_is_protected(const p11::Lease& lease, CK_OBJECT_HANDLE object, const char* what);
// The master secret and every object of both session keys.
::testing::AssertionResult master_is_protected(NCRYPT_KEY_HANDLE master);
::testing::AssertionResult session_key_is_protected(NCRYPT_KEY_HANDLE key);

// Objects visible on the token of `provider` (C_FindObjects, empty template),
// counted in one of its pool's sessions.
std::size_t count_token_objects(NCRYPT_PROV_HANDLE provider);
// The provider's session pool (to create test fixtures such as an RSA key pair).
std::shared_ptr<p11::SessionPool> pool_of(NCRYPT_PROV_HANDLE provider);

}  // namespace sslp11::coretest
