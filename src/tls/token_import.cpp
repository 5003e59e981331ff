#include "tls/token_import.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

#include "pkcs11/attributes.h"

namespace sslp11::tls {

namespace {

[[noreturn]] void openssl_failure(const std::string& what) {
  const unsigned long e = ERR_get_error();
  char buf[256] = "no OpenSSL error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  throw std::runtime_error(what + ": " + buf);
}

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_file(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) throw std::runtime_error("cannot open " + path);
  return f;
}

// A big-endian magnitude of an OpenSSL key parameter (RSA components, the EC scalar).
Bytes bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) openssl_failure(std::string("reading key parameter ") + name);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_clear_free(bn);
  return out;
}

Bytes der_of_name(const X509_NAME* name) {
  unsigned char* p = nullptr;
  const int n = i2d_X509_NAME(name, &p);
  if (n <= 0) openssl_failure("encoding a certificate name");
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

struct CertificateFields {
  Bytes subject, issuer, serial;
};

CertificateFields certificate_fields(ByteView der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (!cert) openssl_failure("parsing the certificate");
  CertificateFields f;
  f.subject = der_of_name(X509_get_subject_name(cert.get()));
  f.issuer = der_of_name(X509_get_issuer_name(cert.get()));
  unsigned char* s = nullptr;
  const int n = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert.get()), &s);
  if (n <= 0) openssl_failure("encoding the certificate serial number");
  f.serial.assign(s, s + n);
  OPENSSL_free(s);
  return f;
}

// CKA_EC_PARAMS: the DER OID of the key's named curve.
Bytes ec_params(EVP_PKEY* key) {
  char group[80] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
    openssl_failure("reading the EC key's curve");
  }
  const int nid = OBJ_sn2nid(group) != NID_undef ? OBJ_sn2nid(group) : OBJ_ln2nid(group);
  ASN1_OBJECT* oid = OBJ_nid2obj(nid);
  unsigned char* p = nullptr;
  const int n = oid != nullptr ? i2d_ASN1_OBJECT(oid, &p) : 0;
  if (n <= 0) openssl_failure(std::string("encoding the OID of curve ") + group);
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

// CKA_EC_POINT: the uncompressed point inside a DER OCTET STRING.
Bytes ec_point(EVP_PKEY* key) {
  unsigned char buf[200];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf, &len) != 1) {
    openssl_failure("reading the EC public point");
  }
  Bytes out{0x04};
  if (len >= 0x80) out.push_back(0x81);
  out.push_back(static_cast<std::uint8_t>(len));
  out.insert(out.end(), buf, buf + len);
  return out;
}

}  // namespace

ImportedKey import_key_and_certificate(const p11::Api& api, CK_SESSION_HANDLE session, EVP_PKEY* key,
                                       ByteView certificate_der, bool token_objects, const std::string& label) {
  ImportedKey made;
  made.id.resize(16);
  if (RAND_bytes(made.id.data(), static_cast<int>(made.id.size())) != 1) openssl_failure("RAND_bytes");
  const bool rsa = EVP_PKEY_is_a(key, "RSA");
  if (!rsa && !EVP_PKEY_is_a(key, "EC")) throw std::runtime_error("the server key is neither RSA nor EC");

  p11::AttributeTemplate priv, pub;
  priv.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .add_ulong(CKA_KEY_TYPE, rsa ? CKK_RSA : CKK_EC)
      .add_bool(CKA_TOKEN, token_objects)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, false)
      .add_bool(CKA_SIGN, true)
      .add_bool(CKA_DECRYPT, rsa)
      .add_bool(CKA_UNWRAP, rsa)
      .add_bytes(CKA_ID, made.id)
      .add_string(CKA_LABEL, label);
  pub.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, rsa ? CKK_RSA : CKK_EC)
      .add_bool(CKA_TOKEN, token_objects)
      .add_bool(CKA_VERIFY, true)
      .add_bytes(CKA_ID, made.id)
      .add_string(CKA_LABEL, label);
  if (rsa) {
    const Bytes n = bn_param(key, OSSL_PKEY_PARAM_RSA_N), e = bn_param(key, OSSL_PKEY_PARAM_RSA_E);
    priv.add_bytes(CKA_MODULUS, n)
        .add_bytes(CKA_PUBLIC_EXPONENT, e)
        .add_bytes(CKA_PRIVATE_EXPONENT, bn_param(key, OSSL_PKEY_PARAM_RSA_D))
        .add_bytes(CKA_PRIME_1, bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1))
        .add_bytes(CKA_PRIME_2, bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2))
        .add_bytes(CKA_EXPONENT_1, bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT1))
        .add_bytes(CKA_EXPONENT_2, bn_param(key, OSSL_PKEY_PARAM_RSA_EXPONENT2))
        .add_bytes(CKA_COEFFICIENT, bn_param(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
    pub.add_bytes(CKA_MODULUS, n).add_bytes(CKA_PUBLIC_EXPONENT, e).add_bool(CKA_ENCRYPT, true);
  } else {
    const Bytes params = ec_params(key);
    priv.add_bytes(CKA_EC_PARAMS, params).add_bytes(CKA_VALUE, bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY));
    pub.add_bytes(CKA_EC_PARAMS, params).add_bytes(CKA_EC_POINT, ec_point(key));
  }
  const CertificateFields fields = certificate_fields(certificate_der);
  p11::AttributeTemplate cert;
  cert.add_ulong(CKA_CLASS, CKO_CERTIFICATE)
      .add_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
      .add_bool(CKA_TOKEN, token_objects)
      .add_bytes(CKA_SUBJECT, fields.subject)
      .add_bytes(CKA_ISSUER, fields.issuer)
      .add_bytes(CKA_SERIAL_NUMBER, fields.serial)
      .add_bytes(CKA_VALUE, certificate_der)
      .add_bytes(CKA_ID, made.id)
      .add_string(CKA_LABEL, label);

  try {
    made.objects.push_back(api.C_CreateObject(session, priv.span()));
    made.objects.push_back(api.C_CreateObject(session, pub.span()));
    made.objects.push_back(api.C_CreateObject(session, cert.span()));
  } catch (...) {
    for (CK_OBJECT_HANDLE h : made.objects) {
      try {
        api.C_DestroyObject(session, h);
      } catch (...) {
      }
    }
    throw;
  }
  return made;
}

PkeyPtr read_private_key_pem(const std::string& path) {
  File f = open_file(path);
  PkeyPtr key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  if (!key) openssl_failure("reading a private key from " + path);
  return key;
}

std::vector<Bytes> read_certificates_pem(const std::string& path) {
  File f = open_file(path);
  std::vector<Bytes> out;
  while (X509* cert = PEM_read_X509(f.get(), nullptr, nullptr, nullptr)) {
    unsigned char* p = nullptr;
    const int n = i2d_X509(cert, &p);
    X509_free(cert);
    if (n <= 0) openssl_failure("encoding a certificate from " + path);
    out.emplace_back(p, p + n);
    OPENSSL_free(p);
  }
  ERR_clear_error();  // the end of the file ends the loop with a "no start line" error
  if (out.empty()) throw std::runtime_error("no PEM certificate in " + path);
  return out;
}

}  // namespace sslp11::tls
