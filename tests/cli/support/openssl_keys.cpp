#include "cli/support/openssl_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>

#include <stdexcept>

namespace sslp11::test {

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error("OpenSSL: " + what); }

struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

template <class F>
Bytes i2d(F&& f) {
  unsigned char* p = nullptr;
  const int n = f(&p);
  if (n <= 0) fail("i2d failed");
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

// Traditional (PKCS#1 / SEC1) DER, through the encoder API (i2d_PrivateKey is PKCS#8 for some key types in 3.x).
std::string encode(EVP_PKEY* key, const char* format, const char* structure) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(key, OSSL_KEYMGMT_SELECT_KEYPAIR, format, structure, nullptr);
  if (ctx == nullptr || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0) fail(std::string("no encoder for ") + structure);
  unsigned char* data = nullptr;
  std::size_t len = 0;
  const int ok = OSSL_ENCODER_to_data(ctx, &data, &len);
  OSSL_ENCODER_CTX_free(ctx);
  if (!ok) fail(std::string("encoding ") + structure);
  std::string out(reinterpret_cast<char*>(data), len);
  OPENSSL_free(data);
  return out;
}

}  // namespace

Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

OpenSslKey::OpenSslKey(const std::string& spec, const std::string& cn) {
  if (spec.rfind("rsa:", 0) == 0) {
    key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoul(spec.substr(4)))));
  } else if (spec.rfind("ec:", 0) == 0) {
    key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", spec.substr(3).c_str()));
  }
  if (!key_) fail("key generation for " + spec);
  cert_.reset(X509_new());
  X509* x = cert_.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234567);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("sslp11 tests"), -1, -1,
                             0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key_.get());
  if (X509_sign(x, key_.get(), EVP_sha256()) <= 0) fail("signing the certificate");
}

std::string OpenSslKey::private_key(KeyEncoding encoding) const {
  // PKCS#1 RSAPrivateKey or SEC1 ECPrivateKey.
  const char* traditional = "type-specific";
  switch (encoding) {
    case KeyEncoding::pkcs8_pem: {
      BioPtr bio(BIO_new(BIO_s_mem()));
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key(), nullptr, nullptr, 0, nullptr, nullptr);
      return drain(bio.get());
    }
    case KeyEncoding::pkcs8_der:
      return encode(key(), "DER", "PrivateKeyInfo");
    case KeyEncoding::traditional_pem:
      return encode(key(), "PEM", traditional);
    case KeyEncoding::traditional_der:
      return encode(key(), "DER", traditional);
    case KeyEncoding::encrypted_pkcs8_pem: {
      BioPtr bio(BIO_new(BIO_s_mem()));
      static const char kPass[] = "passphrase";
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key(), EVP_aes_256_cbc(), kPass, sizeof kPass - 1, nullptr, nullptr);
      return drain(bio.get());
    }
  }
  fail("unknown encoding");
}

std::string OpenSslKey::certificate_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), certificate());
  return drain(bio.get());
}

Bytes OpenSslKey::certificate_der() const {
  return i2d([&](unsigned char** p) { return i2d_X509(certificate(), p); });
}

Bytes OpenSslKey::subject_public_key_info() const {
  return i2d([&](unsigned char** p) { return i2d_PUBKEY(key(), p); });
}

std::string OpenSslKey::public_key_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key());
  return drain(bio.get());
}

Bytes OpenSslKey::subject_der() const {
  return i2d([&](unsigned char** p) { return i2d_X509_NAME(X509_get_subject_name(certificate()), p); });
}

Bytes OpenSslKey::issuer_der() const {
  return i2d([&](unsigned char** p) { return i2d_X509_NAME(X509_get_issuer_name(certificate()), p); });
}

Bytes OpenSslKey::serial_der() const {
  return i2d([&](unsigned char** p) { return i2d_ASN1_INTEGER(X509_get_serialNumber(certificate()), p); });
}

Bytes OpenSslKey::bn_param(const char* name) const {
  BIGNUM* bn = nullptr;
  if (!EVP_PKEY_get_bn_param(key(), name, &bn)) fail(std::string("no parameter ") + name);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_clear_free(bn);
  return out;
}

Bytes OpenSslKey::ec_point() const {
  std::size_t len = 0;
  if (!EVP_PKEY_get_octet_string_param(key(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0, &len)) fail("EC point");
  Bytes out(len);
  EVP_PKEY_get_octet_string_param(key(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(), out.size(), &len);
  return out;
}

Bytes certificate_openssl_refuses(const OpenSslKey& key) {
  Bytes der = key.certificate_der();
  // Validity ::= SEQUENCE { notBefore UTCTime (0x17, 13 bytes), ... }
  for (std::size_t i = 2; i + 1 < der.size(); ++i) {
    if (der[i] == 0x17 && der[i + 1] == 0x0d && der[i - 2] == 0x30) {
      der[i] = 0x04;
      return der;
    }
  }
  throw std::runtime_error("no UTCTime validity in the test certificate");
}

std::string rsa_key_with_wrong_modulus(const OpenSslKey& key) {
  std::string der = key.private_key(KeyEncoding::traditional_der);
  // RSAPrivateKey ::= SEQUENCE (30 82 LL LL) { version (02 01 00),
  // modulus (02 82 01 01 00 <256 bytes>), ... } for a 2048-bit key.
  const std::string modulus_header("\x02\x82\x01\x01\x00", 5);
  if (der.size() < 268 || der.compare(7, 5, modulus_header) != 0) {
    throw std::runtime_error("not a 2048-bit PKCS#1 RSA key");
  }
  der[11 + 256] = static_cast<char>(der[11 + 256] ^ 0x02);
  return der;
}

}  // namespace sslp11::test
