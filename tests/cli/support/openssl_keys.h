// Keys and certificates made by OpenSSL (the tests' oracle), written in every
// encoding `sslp11-admin import` accepts, and the reference values the tests
// compare sslp11's parsers and exports against.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sslp11::test {

using Bytes = std::vector<std::uint8_t>;

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
struct X509Deleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
};

enum class KeyEncoding { pkcs8_pem, pkcs8_der, traditional_pem, traditional_der, encrypted_pkcs8_pem };

class OpenSslKey {
 public:
  // "rsa:2048", "ec:P-256", "ec:P-384", "ec:P-521"; a self-signed certificate with CN=`cn`.
  OpenSslKey(const std::string& spec, const std::string& cn);

  EVP_PKEY* key() const { return key_.get(); }
  X509* certificate() const { return cert_.get(); }

  std::string private_key(KeyEncoding encoding) const;  // file contents (PEM text or DER bytes)
  std::string certificate_pem() const;
  Bytes certificate_der() const;
  Bytes subject_public_key_info() const;  // i2d_PUBKEY
  std::string public_key_pem() const;     // PEM_write_bio_PUBKEY
  Bytes subject_der() const;
  Bytes issuer_der() const;
  Bytes serial_der() const;  // the INTEGER element
  // Big-endian unsigned parameters (OSSL_PKEY_PARAM_RSA_N, ..., OSSL_PKEY_PARAM_PRIV_KEY).
  Bytes bn_param(const char* name) const;
  // EC: the uncompressed public point.
  Bytes ec_point() const;

 private:
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key_;
  std::unique_ptr<X509, X509Deleter> cert_;
};

Bytes to_bytes(const std::string& s);

// `key`'s certificate with its notBefore time given the OCTET STRING tag: the
// fields sslp11-admin reads (serial, issuer, subject, public key) stay
// intact, but OpenSSL refuses to parse it, as a TLS peer would.
Bytes certificate_openssl_refuses(const OpenSslKey& key);

// `key` ("rsa:2048") as a PKCS#1 DER RSAPrivateKey whose modulus is no longer
// p*q (its last byte changed, still odd): every field parses.
std::string rsa_key_with_wrong_modulus(const OpenSslKey& key);

}  // namespace sslp11::test
