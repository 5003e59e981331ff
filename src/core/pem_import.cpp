#include "core/pem_import.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <memory>

#include "keyfile/key_attributes.h"
#include "keyfile/key_parts.h"
#include "keyfile/openssl_handles.h"
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

using keyfile::Bignum;
using keyfile::Bio;
using keyfile::Certificate;
using keyfile::Pkey;

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

// The token would accept an RSA key whose parts contradict each other and then
// sign garbage with it; refuse it here instead.
void require_consistent_rsa(const EVP_PKEY* key) {
  const Bignum n = bn_param(key, OSSL_PKEY_PARAM_RSA_N);
  const Bignum p = bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR1);
  const Bignum q = bn_param(key, OSSL_PKEY_PARAM_RSA_FACTOR2);
  keyfile::BnCtx ctx(BN_CTX_new());
  Bignum product(BN_new());
  if (!ctx || !product) throw std::bad_alloc();
  if (BN_mul(product.get(), p.get(), q.get(), ctx.get()) != 1) refuse("multiplying the RSA primes");
  if (BN_cmp(product.get(), n.get()) != 0) {
    throw Error(Fault::bad_data, "the RSA private key is inconsistent: its modulus is not p*q");
  }
}

// The private and public key templates; `id` and `label` are already set.
void add_key_parts(EVP_PKEY* key, p11::AttributeTemplate& priv, p11::AttributeTemplate& pub) {
  const keyfile::PrivateParts k = keyfile::private_parts(key);
  keyfile::add_private_values(priv, k);
  keyfile::add_public_values(pub, k.pub);
  if (k.pub.algorithm == keyfile::KeyAlgorithm::rsa) pub.add_bool(CKA_ENCRYPT, true);
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
  keyfile::CertificateFields fields;
  try {
    fields = keyfile::certificate_fields(cert.get());
  } catch (const keyfile::Error& e) {
    throw Error(Fault::bad_data, e.what());
  }

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
  try {
    add_key_parts(key.get(), priv, pub);
  } catch (const keyfile::Error& e) {
    throw Error(Fault::bad_data, e.what());
  }
  certificate.add_ulong(CKA_CLASS, CKO_CERTIFICATE)
      .add_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
      .add_bool(CKA_TOKEN, what.token_objects)
      .add_bytes(CKA_SUBJECT, fields.subject)
      .add_bytes(CKA_ISSUER, fields.issuer)
      .add_bytes(CKA_SERIAL_NUMBER, fields.serial_number)
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
