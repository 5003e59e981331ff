// Putting a server's private key and certificate on a PKCS#11 token so that
// SslOpenPrivateKey finds it: a CKO_PRIVATE_KEY (private, sensitive, not
// extractable, made from the key's components with C_CreateObject), its
// CKO_PUBLIC_KEY and a CKO_CERTIFICATE, all with one CKA_ID.
//
// A test aid and a set-up step, not part of the handshake: the TLS program
// uses it for `server --import-key` (session objects, for tokens such as the
// NSS softoken without a database, which cannot hold token objects and whose
// session objects do not outlive the process), and the tests use it to make
// token objects on SoftHSM before they start the server.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

#include "pkcs11/api.h"
#include "tls/bytes.h"

namespace sslp11::tls {

struct ImportedKey {
  std::vector<CK_OBJECT_HANDLE> objects;  // private key, public key, certificate
  Bytes id;                               // their CKA_ID
};

// Creates the three objects in `session`; `token_objects` chooses CKA_TOKEN.
// Throws p11::Error / std::runtime_error.
ImportedKey import_key_and_certificate(const p11::Api& api, CK_SESSION_HANDLE session, EVP_PKEY* key,
                                       ByteView certificate_der, bool token_objects, const std::string& label);

// PEM files (private key: PKCS#8 or traditional; certificate: the first in
// the file). Throw std::runtime_error naming the file.
struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
PkeyPtr read_private_key_pem(const std::string& path);
std::vector<Bytes> read_certificates_pem(const std::string& path);

}  // namespace sslp11::tls
