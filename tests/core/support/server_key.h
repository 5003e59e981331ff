// A TLS server's long-term RSA key on a test token: an RSA-2048 key pair made
// by the token (SoftHSM: private token objects; NSS softoken without a
// database: session objects), a certificate object OpenSSL issues for its
// public key, and the SslOpenPrivateKey handle. Destroys its token objects.
#pragma once

#include <sslp11/sslprovider.h>

#include <vector>

#include "core/support/ssl_calls.h"
#include "support/oracle/keys.h"
#include "pkcs11/cryptoki.h"

namespace sslp11::coretest {

class ServerRsaKey {
 public:
  // Throws std::runtime_error / p11::Error on failure.
  ServerRsaKey(NCRYPT_PROV_HANDLE provider, bool token_objects);
  ~ServerRsaKey();
  ServerRsaKey(const ServerRsaKey&) = delete;
  ServerRsaKey& operator=(const ServerRsaKey&) = delete;

  NCRYPT_KEY_HANDLE handle() const { return private_key_.get(); }  // from SslOpenPrivateKey
  EVP_PKEY* openssl_public() const { return public_.get(); }
  const Bytes& certificate() const { return certificate_; }

 private:
  NCRYPT_PROV_HANDLE provider_;
  std::vector<CK_OBJECT_HANDLE> objects_;
  Pkey public_;
  Bytes certificate_;
  SslObject private_key_;
};

}  // namespace sslp11::coretest
