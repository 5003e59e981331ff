// Checking what the peer shows us: its certificate chain (built and
// verified by OpenSSL's X.509 code against --cafile, with the host name or IP
// address; a client's against the server's --verify-client file) and its
// signatures (OpenSSL EVP verify with the certificate's public key). Both work on public data only; no key material
// of ours is involved. Also the facts of the TLS 1.2 signature schemes that
// both this check and the server's SslSignHash call need.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tls/bytes.h"

namespace sslp11::tls {

enum class SignatureKind { rsa_pkcs1, rsa_pss, ecdsa };

struct SchemeInfo {
  std::uint16_t scheme;
  SignatureKind kind;
  const char* hash;  // CNG / OpenSSL digest name: "SHA256"
};
// nullptr for a scheme sslp11-tls does not use.
const SchemeInfo* scheme_info(std::uint16_t scheme);
// The digest of `data` with a scheme's hash (EVP_Digest).
Bytes digest(const char* hash, ByteView data);

// The schemes a client offers (in preference order), and those a server with
// an RSA or EC key can sign with.
std::vector<std::uint16_t> offered_signature_schemes();
std::vector<std::uint16_t> signing_schemes(bool ec_key);

class PeerCertificate {
 public:
  // Verifies the chain (leaf first) against the CA file and `expected_name`
  // (a DNS name or an IP literal). Throws TlsFailure: unknown_ca (untrusted
  // issuer, self-signed), certificate_expired, bad_certificate (everything
  // else, including a name mismatch and unparsable DER).
  static PeerCertificate verify(const std::vector<Bytes>& chain, const std::string& cafile,
                                const std::string& expected_name);
  // A client's chain (TLS client authentication): against the CA file, for
  // the purpose ssl_client (clientAuth), without a name. Throws as verify.
  static PeerCertificate verify_client(const std::vector<Bytes>& chain, const std::string& cafile);

  bool is_rsa() const;
  bool is_ec() const;
  std::string subject() const;
  std::string key_description() const;  // "RSA-2048", "EC P-256"
  // BCRYPT_RSAPUBLIC_BLOB of the key, for SslImportKey (RSA key exchange).
  Bytes rsa_public_blob() const;

  // ServerKeyExchange: `scheme` over client_random || server_random || params.
  // Throws TlsFailure(decrypt_error) when it does not verify, illegal_parameter
  // when the scheme does not fit the key.
  void verify_signature(std::uint16_t scheme, ByteView signed_data, ByteView signature) const;

 private:
  static PeerCertificate verify_chain(const std::vector<Bytes>& chain, const std::string& cafile,
                                      const std::string* expected_name);

  struct X509Free {
    void operator()(X509* p) const noexcept { X509_free(p); }
  };
  std::unique_ptr<X509, X509Free> leaf_;
};

}  // namespace sslp11::tls
