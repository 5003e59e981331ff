#include "core/support/server_key.h"

#include <gtest/gtest.h>

#include "core/support/key_checks.h"
#include "pkcs11/attributes.h"
#include "support/oracle/certificates.h"

namespace sslp11::coretest {

ServerRsaKey::ServerRsaKey(NCRYPT_PROV_HANDLE provider, bool token_objects) : provider_(provider) {
  const Bytes id = random_bytes(16);
  pool_of(provider)->run([&](p11::Lease& l) {
    const Bytes e{0x01, 0x00, 0x01};
    p11::AttributeTemplate pub, priv;
    pub.add_bool(CKA_TOKEN, token_objects)
        .add_ulong(CKA_MODULUS_BITS, 2048)
        .add_bytes(CKA_PUBLIC_EXPONENT, e)
        .add_bool(CKA_ENCRYPT, true)
        .add_bool(CKA_VERIFY, true)
        .add_bool(CKA_WRAP, true)
        .add_bytes(CKA_ID, id);
    priv.add_bool(CKA_TOKEN, token_objects)
        .add_bool(CKA_PRIVATE, true)
        .add_bool(CKA_SENSITIVE, true)
        .add_bool(CKA_EXTRACTABLE, false)
        .add_bool(CKA_DECRYPT, true)
        .add_bool(CKA_UNWRAP, true)
        .add_bool(CKA_SIGN, true)
        .add_bytes(CKA_ID, id);
    CK_MECHANISM gen{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE pub_h = CK_INVALID_HANDLE, priv_h = CK_INVALID_HANDLE;
    l.api().C_GenerateKeyPair(l.handle(), gen, pub.span(), priv.span(), pub_h, priv_h);
    objects_.push_back(pub_h);
    objects_.push_back(priv_h);
    const auto n = p11::read_bytes(l.api(), l.handle(), pub_h, CKA_MODULUS);
    const auto exp = p11::read_bytes(l.api(), l.handle(), pub_h, CKA_PUBLIC_EXPONENT);
    if (!n || !exp) throw std::runtime_error("the token did not return the RSA public key");
    public_ = rsa_public_from(*n, *exp);
    // NSS softoken requires subject, issuer and serial on an X.509 certificate object.
    const Certificate fields = make_certificate(public_.get(), "sslp11 core test server");
    certificate_ = fields.der;
    p11::AttributeTemplate cert;
    cert.add_ulong(CKA_CLASS, CKO_CERTIFICATE)
        .add_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
        .add_bool(CKA_TOKEN, token_objects)
        .add_bytes(CKA_SUBJECT, fields.subject)
        .add_bytes(CKA_ISSUER, fields.issuer)
        .add_bytes(CKA_SERIAL_NUMBER, fields.serial)
        .add_bytes(CKA_VALUE, certificate_)
        .add_bytes(CKA_ID, id);
    objects_.push_back(l.api().C_CreateObject(l.handle(), cert.span()));
    return 0;
  });
  CERT_CONTEXT context{X509_ASN_ENCODING, certificate_.data(), static_cast<DWORD>(certificate_.size()), nullptr,
                       nullptr};
  require_ok(SslOpenPrivateKey(provider, private_key_.out(), &context, 0), "SslOpenPrivateKey");
}

ServerRsaKey::~ServerRsaKey() {
  private_key_.reset();
  try {
    pool_of(provider_)->run([&](p11::Lease& l) {
      for (CK_OBJECT_HANDLE h : objects_) l.api().C_DestroyObject(l.handle(), h);
      return 0;
    });
  } catch (const std::exception& e) {
    ADD_FAILURE() << "destroying the RSA server key fixture: " << e.what();
  }
}

}  // namespace sslp11::coretest
