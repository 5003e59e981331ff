// The only place the TLS program looks behind the Ssl* ABI. It links the
// static provider build (sslp11_testable) for three things the public API
// does not offer:
//  * sslp11's explanation of the last failing call (abi::last_error_message),
//    so a refusal names the missing mechanism ("token lacks CKM_CHACHA20_POLY1305")
//    instead of a bare NTE_NOT_SUPPORTED;
//  * reading back the PKCS#11 attributes of the objects behind a key handle,
//    so the closing account states what the token says (CKA_SENSITIVE,
//    CKA_EXTRACTABLE, CKA_TOKEN) rather than what we expect;
//  * `server --import-key`: creating session objects through the provider's
//    own session pool (objects die with their session, so they must be made
//    in the process that uses them; see token_import.h).
// None of it performs a cryptographic step of the handshake.
#pragma once

#include <string>
#include <vector>

#include <sslp11/sslprovider.h>

#include "tls/bytes.h"
#include "tls/token_import.h"

namespace sslp11::tls {

// The explanation sslp11 recorded for the last failing Ssl* call on this thread.
std::string last_provider_error();

// One PKCS#11 object behind a key handle, as the token reports it.
struct TokenObjectFacts {
  std::string role;        // "private key", "secret", "cipher key", "MAC key"
  std::string kind;        // "CKK_EC private key", "CKK_GENERIC_SECRET (48 bytes)", "CKK_AES (16 bytes)"
  bool token_object = false;  // CKA_TOKEN: persistent (true) or a session object
  int sensitive = -1;         // CKA_SENSITIVE: 1, 0, or -1 unreadable
  int extractable = -1;       // CKA_EXTRACTABLE
};
std::vector<TokenObjectFacts> describe_key_objects(NCRYPT_KEY_HANDLE key);

// --import-key: the key and certificate as session objects on the provider's token.
ImportedKey import_session_key(NCRYPT_PROV_HANDLE provider, EVP_PKEY* key, ByteView certificate_der);

// For the soak's before/after account (leaks show up as growth): the objects
// visible on the provider's token (C_FindObjects, empty template, in one of
// its pool's sessions) and the live handles of sslp11's handle table.
std::size_t token_object_count(NCRYPT_PROV_HANDLE provider);
std::size_t live_handle_count();

}  // namespace sslp11::tls
