#include "core/pem_import.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <memory>

#include "pkcs11/attributes.h"
#include "pkcs11/secure_buffer.h"

namespace sslp11::core {

namespace {

using Bytes = std::vector<std::uint8_t>;

// OpenSSL's first queued error (never key material), and the queue emptied.
std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  char buf[256] = "no OpenSSL error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

[[noreturn]] void refuse(const std::string& what) {
  throw Error(Fault::bad_data, what + " (" + openssl_reason() + ")");
}

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* c) const noexcept { X509_free(c); }
};
struct BnClearFree {
  void operator()(BIGNUM* b) const noexcept { BN_clear_free(b); }
};
struct BnCtxFree {
  void operator()(BN_CTX* c) const noexcept { BN_CTX_free(c); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Certificate = std::unique_ptr<X509, X509Free>;
using Bignum = std::unique_ptr<BIGNUM, BnClearFree>;

Bio memory_bio(std::span<const std::uint8_t> pem, const char* what) {
  if (pem.empty()) throw Error(Fault::bad_data, std::string("the ") + what + " PEM is empty");
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::bad_alloc();
  return bio;
}

Pkey parse_key(std::span<const std::uint8_t> pem) {
  const Bio bio = memory_bio(pem, "private key");
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) refuse("the private key is not an unencrypted PEM private key");
  return key;
}

Certificate parse_certificate(std::span<const std::uint8_t> pem) {
  const Bio bio = memory_bio(pem, "certificate");
  Certificate cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) refuse("the certificate is not a PEM X.509 certificate");
  return cert;
}

Bignum bn_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) refuse(std::string("the key has no ") + name);
  return Bignum(bn);
}

// A big-endian magnitude, in a wiping buffer: these are private key parts.
p11::SecureBytes magnitude(const BIGNUM* bn) {
  p11::SecureBytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

p11::SecureBytes magnitude(const EVP_PKEY* key, const char* name) { return magnitude(bn_param(key, name).get()); }

// The token would accept an RSA key whose parts contradict each other and then
// sign garbage with it; refuse it here instead.
void require_consistent_rsa(const EVP_PKEY* key) {
  const Bignum n = bn_param(key, OSSL_PKEY_PARAM_RSA_N);
  const Bignum p = bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1);
  const Bignum q = bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2);
  std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_new());
  Bignum product(BN_new());
  if (!ctx || !product) throw std::bad_alloc();
  if (BN_mul(product.get(), p.get(), q.get(), ctx.get()) != 1) refuse("multiplying the RSA primes");
  if (BN_cmp(product.get(), n.get()) != 0) {
    throw Error(Fault::bad_data, "the RSA private key is inconsistent: its modulus is not p*q");
  }
}

Bytes der_of_name(const X509_NAME* name) {
  unsigned char* p = nullptr;
  const int n = i2d_X509_NAME(name, &p);
  if (n <= 0) refuse("encoding a certificate name");
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

struct CertificateFields {
  Bytes der, subject, issuer, serial;
};

CertificateFields certificate_fields(X509* cert) {
  CertificateFields f;
  unsigned char* d = nullptr;
  const int n = i2d_X509(cert, &d);
  if (n <= 0) refuse("encoding the certificate");
  f.der.assign(d, d + n);
  OPENSSL_free(d);
  f.subject = der_of_name(X509_get_subject_name(cert));
  f.issuer = der_of_name(X509_get_issuer_name(cert));
  unsigned char* s = nullptr;
  const int m = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), &s);
  if (m <= 0) refuse("encoding the certificate serial number");
  f.serial.assign(s, s + m);
  OPENSSL_free(s);
  return f;
}

// CKA_EC_PARAMS: the DER OID of the key's named curve.
Bytes ec_params(const EVP_PKEY* key) {
  char group[80] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
    refuse("the EC key names no curve");
  }
  const int nid = OBJ_sn2nid(group) != NID_undef ? OBJ_sn2nid(group) : OBJ_ln2nid(group);
  ASN1_OBJECT* oid = OBJ_nid2obj(nid);
  unsigned char* p = nullptr;
  const int n = oid != nullptr ? i2d_ASN1_OBJECT(oid, &p) : 0;
  if (n <= 0) refuse(std::string("encoding the OID of curve ") + group);
  Bytes out(p, p + n);
  OPENSSL_free(p);
  return out;
}

// CKA_EC_POINT: the uncompressed point inside a DER OCTET STRING.
Bytes ec_point(const EVP_PKEY* key) {
  unsigned char buf[200];
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof buf, &len) != 1) {
    refuse("reading the EC public point");
  }
  Bytes out{0x04};
  if (len >= 0x80) out.push_back(0x81);
  out.push_back(static_cast<std::uint8_t>(len));
  out.insert(out.end(), buf, buf + len);
  return out;
}

// The private and public key templates; `id` and `label` are already set.
void add_key_parts(const EVP_PKEY* key, bool rsa, p11::AttributeTemplate& priv, p11::AttributeTemplate& pub) {
  if (rsa) {
    const p11::SecureBytes n = magnitude(key, OSSL_PKEY_PARAM_RSA_N), e = magnitude(key, OSSL_PKEY_PARAM_RSA_E);
    priv.add_bytes(CKA_MODULUS, n.span())
        .add_bytes(CKA_PUBLIC_EXPONENT, e.span())
        .add_bytes(CKA_PRIVATE_EXPONENT, magnitude(key, OSSL_PKEY_PARAM_RSA_D).span())
        .add_bytes(CKA_PRIME_1, magnitude(key, OSSL_PKEY_PARAM_RSA_FACTOR1).span())
        .add_bytes(CKA_PRIME_2, magnitude(key, OSSL_PKEY_PARAM_RSA_FACTOR2).span())
        .add_bytes(CKA_EXPONENT_1, magnitude(key, OSSL_PKEY_PARAM_RSA_EXPONENT1).span())
        .add_bytes(CKA_EXPONENT_2, magnitude(key, OSSL_PKEY_PARAM_RSA_EXPONENT2).span())
        .add_bytes(CKA_COEFFICIENT, magnitude(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1).span());
    pub.add_bytes(CKA_MODULUS, n.span()).add_bytes(CKA_PUBLIC_EXPONENT, e.span()).add_bool(CKA_ENCRYPT, true);
  } else {
    const Bytes params = ec_params(key);
    priv.add_bytes(CKA_EC_PARAMS, params).add_bytes(CKA_VALUE, magnitude(key, OSSL_PKEY_PARAM_PRIV_KEY).span());
    pub.add_bytes(CKA_EC_PARAMS, params).add_bytes(CKA_EC_POINT, ec_point(key));
  }
}

}  // namespace

ImportedKeyObjects import_pem_key(const p11::Api& api, CK_SESSION_HANDLE session, const PemKeyImport& what) {
  const Pkey key = parse_key(what.key_pem);
  const Certificate cert = parse_certificate(what.certificate_pem);
  const bool rsa = EVP_PKEY_is_a(key.get(), "RSA") == 1;
  if (!rsa && EVP_PKEY_is_a(key.get(), "EC") != 1) {
    throw Error(Fault::not_supported, "the private key is neither RSA nor EC");
  }
  if (rsa) require_consistent_rsa(key.get());
  if (X509_check_private_key(cert.get(), key.get()) != 1) refuse("the certificate is not for this private key");
  const CertificateFields fields = certificate_fields(cert.get());

  ImportedKeyObjects made;
  if (RAND_bytes(made.id.data(), static_cast<int>(made.id.size())) != 1) {
    throw std::runtime_error("no random CKA_ID: RAND_bytes failed (" + openssl_reason() + ")");
  }
  p11::AttributeTemplate priv, pub, certificate;
  priv.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .add_ulong(CKA_KEY_TYPE, rsa ? CKK_RSA : CKK_EC)
      .add_bool(CKA_TOKEN, what.token_objects)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, false)
      .add_bool(CKA_SIGN, true)
      .add_bool(CKA_DECRYPT, rsa)
      .add_bool(CKA_UNWRAP, rsa)
      .add_bytes(CKA_ID, made.id)
      .add_string(CKA_LABEL, what.label);
  pub.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, rsa ? CKK_RSA : CKK_EC)
      .add_bool(CKA_TOKEN, what.token_objects)
      .add_bool(CKA_VERIFY, true)
      .add_bytes(CKA_ID, made.id)
      .add_string(CKA_LABEL, what.label);
  add_key_parts(key.get(), rsa, priv, pub);
  certificate.add_ulong(CKA_CLASS, CKO_CERTIFICATE)
      .add_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
      .add_bool(CKA_TOKEN, what.token_objects)
      .add_bytes(CKA_SUBJECT, fields.subject)
      .add_bytes(CKA_ISSUER, fields.issuer)
      .add_bytes(CKA_SERIAL_NUMBER, fields.serial)
      .add_bytes(CKA_VALUE, fields.der)
      .add_bytes(CKA_ID, made.id)
      .add_string(CKA_LABEL, what.label);

  try {
    made.objects.push_back(api.C_CreateObject(session, priv.span()));
    made.objects.push_back(api.C_CreateObject(session, pub.span()));
    made.objects.push_back(api.C_CreateObject(session, certificate.span()));
  } catch (...) {
    for (CK_OBJECT_HANDLE h : made.objects) {
      try {
        api.C_DestroyObject(session, h);
      } catch (...) {  // the first failure is the one to report
      }
    }
    throw;
  }
  return made;
}

std::size_t destroy_imported_key(const p11::Api& api, CK_SESSION_HANDLE session, std::span<const std::uint8_t> id) {
  std::size_t destroyed = 0;
  for (const CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_CERTIFICATE}) {
    p11::AttributeTemplate match;
    match.add_ulong(CKA_CLASS, cls).add_bytes(CKA_ID, id);
    for (CK_OBJECT_HANDLE h : api.find_objects(session, match.span())) {
      api.C_DestroyObject(session, h);
      ++destroyed;
    }
  }
  return destroyed;
}

}  // namespace sslp11::core
