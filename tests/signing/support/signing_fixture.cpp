#include "signing/support/signing_fixture.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "abi/handle_table.h"
#include "core/keys.h"
#include "pkcs11/api.h"
#include "pkcs11/attributes.h"

namespace sslp11::signingtest {

namespace {

// CKA_EC_POINT: the DER OCTET STRING around 04||X||Y.
Bytes point_from_attribute(const Bytes& attr) {
  if (attr.size() < 2 || attr[0] != 0x04) throw std::runtime_error("CKA_EC_POINT is not an OCTET STRING");
  std::size_t header = 2, len = attr[1];
  if (len == 0x81 && attr.size() > 2) {
    len = attr[2];
    header = 3;
  }
  if (attr.size() != header + len) throw std::runtime_error("CKA_EC_POINT has a bad length");
  return Bytes(attr.begin() + static_cast<std::ptrdiff_t>(header), attr.end());
}

}  // namespace

void SigningTest::SetUp() {
  provider_ = std::make_unique<test::ProviderHandle>(spec());
  ASSERT_EQ(provider_->open_status(), ERROR_SUCCESS);
}

void SigningTest::TearDown() {
  imported_.clear();
  if (provider_ && provider_->get() != 0) {
    for (auto& [kind, key] : keys_) {
      key->handle.reset();
      pool()->run([&](p11::Lease& l) {
        for (CK_OBJECT_HANDLE h : key->objects) {
          try {
            l.api().C_DestroyObject(l.handle(), h);
          } catch (const std::exception& e) {
            ADD_FAILURE() << "cleaning up " << key->name << ": " << e.what();
          }
        }
        return 0;
      });
    }
  }
  keys_.clear();
  provider_.reset();
}

std::shared_ptr<p11::SessionPool> SigningTest::pool() const {
  auto provider = abi::HandleTable::instance().find<core::Provider>(p());
  if (!provider) throw std::runtime_error("no live provider");
  return provider->token()->pool();
}

TokenKey& SigningTest::key(KeyKind kind) {
  auto& slot = keys_[kind];
  if (!slot) slot = make_key(kind);
  return *slot;
}

std::unique_ptr<TokenKey> SigningTest::make_key(KeyKind kind) {
  auto key = std::make_unique<TokenKey>();
  key->curve = kind == KeyKind::p256 ? &p256() : kind == KeyKind::p384 ? &p384() : nullptr;
  key->name = key->curve ? key->curve->openssl_name : "RSA-2048";
  key->id = random_bytes(16);
  // SoftHSM: private token objects, as an operator's key would be. The NSS
  // softoken without a database cannot store token objects.
  const bool persistent = spec().name == "softhsm";
  pool()->run([&](p11::Lease& l) {
    p11::AttributeTemplate pub, priv;
    pub.add_bool(CKA_TOKEN, persistent).add_bool(CKA_VERIFY, true).add_bytes(CKA_ID, key->id);
    priv.add_bool(CKA_TOKEN, persistent)
        .add_bool(CKA_PRIVATE, true)
        .add_bool(CKA_SENSITIVE, true)
        .add_bool(CKA_EXTRACTABLE, false)
        .add_bool(CKA_SIGN, true)
        .add_bytes(CKA_ID, key->id);
    CK_MECHANISM gen{key->ec() ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    if (key->ec()) {
      pub.add_bytes(CKA_EC_PARAMS, key->curve->der_oid);
    } else {
      const Bytes e{0x01, 0x00, 0x01};
      pub.add_ulong(CKA_MODULUS_BITS, 2048).add_bytes(CKA_PUBLIC_EXPONENT, e);
    }
    CK_OBJECT_HANDLE pub_h = CK_INVALID_HANDLE, priv_h = CK_INVALID_HANDLE;
    l.api().C_GenerateKeyPair(l.handle(), gen, pub.span(), priv.span(), pub_h, priv_h);
    key->objects = {pub_h, priv_h};
    if (key->ec()) {
      const auto point = p11::read_bytes(l.api(), l.handle(), pub_h, CKA_EC_POINT);
      if (!point) throw std::runtime_error("the token did not return CKA_EC_POINT");
      key->public_key = ec_public_from_point(*key->curve, point_from_attribute(*point));
    } else {
      const auto n = p11::read_bytes(l.api(), l.handle(), pub_h, CKA_MODULUS);
      const auto e = p11::read_bytes(l.api(), l.handle(), pub_h, CKA_PUBLIC_EXPONENT);
      if (!n || !e) throw std::runtime_error("the token did not return the RSA public key");
      key->public_key = rsa_public_from(*n, *e);
    }
    key->certificate = make_certificate(key->public_key.get(), "sslp11 signing test " + key->name);
    p11::AttributeTemplate cert;
    cert.add_ulong(CKA_CLASS, CKO_CERTIFICATE)
        .add_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
        .add_bool(CKA_TOKEN, persistent)
        .add_bytes(CKA_SUBJECT, key->certificate.subject)
        .add_bytes(CKA_ISSUER, key->certificate.issuer)
        .add_bytes(CKA_SERIAL_NUMBER, key->certificate.serial)
        .add_bytes(CKA_VALUE, key->certificate.der)
        .add_bytes(CKA_ID, key->id);
    key->objects.push_back(l.api().C_CreateObject(l.handle(), cert.span()));
    return 0;
  });
  CERT_CONTEXT context{X509_ASN_ENCODING, key->certificate.der.data(), static_cast<DWORD>(key->certificate.der.size()),
                       nullptr, nullptr};
  const SECURITY_STATUS s = SslOpenPrivateKey(p(), key->handle.out(), &context, 0);
  if (s != ERROR_SUCCESS) {
    throw std::runtime_error("SslOpenPrivateKey(" + key->name + "): " + status_text(s) + " " + test::last_error());
  }
  return key;
}

SigningTest::Signed SigningTest::sign(NCRYPT_KEY_HANDLE key, Bytes value, DWORD flags) {
  Signed out;
  DWORD size = 0;
  out.status = SslSignHash(p(), key, value.data(), static_cast<DWORD>(value.size()), nullptr, 0, &size, flags);
  if (out.status != ERROR_SUCCESS) return out;
  out.size_query = size;
  out.signature.assign(size, 0);
  DWORD written = 0;
  out.status = SslSignHash(p(), key, value.data(), static_cast<DWORD>(value.size()), out.signature.data(), size,
                           &written, flags);
  if (out.status == ERROR_SUCCESS) out.signature.resize(written);
  return out;
}

SECURITY_STATUS SigningTest::verify(NCRYPT_KEY_HANDLE key, Bytes value, Bytes signature, DWORD flags) {
  return SslVerifySignature(p(), key, value.data(), static_cast<DWORD>(value.size()), signature.data(),
                            static_cast<DWORD>(signature.size()), flags);
}

NCRYPT_KEY_HANDLE SigningTest::import_public(const EVP_PKEY* key, const CurveFacts* curve) {
  Bytes blob = curve ? ecdsa_public_blob(*curve, ec_public_point(key))
                     : rsa_public_blob(rsa_modulus(key), rsa_public_exponent(key));
  SslHandle h;
  const SECURITY_STATUS s = SslImportKey(p(), h.out(), curve ? BCRYPT_ECCPUBLIC_BLOB : BCRYPT_RSAPUBLIC_BLOB, blob.data(),
                                         static_cast<DWORD>(blob.size()), 0);
  if (s != ERROR_SUCCESS) throw std::runtime_error("SslImportKey: " + status_text(s) + " " + test::last_error());
  imported_.push_back(std::move(h));
  return imported_.back().get();
}

std::size_t SigningTest::count_objects(CK_OBJECT_CLASS cls, CK_KEY_TYPE type) {
  return pool()->run([&](p11::Lease& l) {
    p11::AttributeTemplate query;
    query.add_ulong(CKA_CLASS, cls).add_ulong(CKA_KEY_TYPE, type);
    return l.api().find_objects(l.handle(), query.span()).size();
  });
}

Bytes hashoid_value(std::u16string_view name, ByteView digest) {
  Bytes out((name.size() + 1) * sizeof(char16_t), 0);
  std::memcpy(out.data(), name.data(), name.size() * sizeof(char16_t));
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

std::string status_text(SECURITY_STATUS status) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(status));
  return buf;
}

}  // namespace sslp11::signingtest
