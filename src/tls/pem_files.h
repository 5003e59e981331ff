// Reading the PEM files the program is given: the server's certificate
// chain, a private key (for tests that sign with OpenSSL), and any file's
// bytes (the key `server --import-key` hands to Sslp11ImportPemKey).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

#include "tls/bytes.h"

namespace sslp11::tls {

// Private key: PKCS#8 or traditional; certificates: every one in the file, in
// order. Throw std::runtime_error naming the file.
struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
PkeyPtr read_private_key_pem(const std::string& path);
std::vector<Bytes> read_certificates_pem(const std::string& path);
// The subject of every certificate in the file (DER X.509 Name, in order, one
// copy of each): the CA names a server's CertificateRequest lists. Throws as
// read_certificates_pem.
std::vector<Bytes> read_certificate_subjects_pem(const std::string& path);
Bytes read_file(const std::string& path);

}  // namespace sslp11::tls
