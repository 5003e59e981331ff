#include "cli/object_templates.h"

namespace sslp11::cli::object_templates {

namespace {

void name(p11::AttributeTemplate& t, const Naming& n) {
  t.add_string(CKA_LABEL, n.label).add_bytes(CKA_ID, n.id);
}

CK_KEY_TYPE key_type(KeyAlgorithm a) { return a == KeyAlgorithm::rsa ? CKK_RSA : CKK_EC; }

p11::AttributeTemplate long_term_private(const Naming& n, KeyAlgorithm algorithm) {
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .add_ulong(CKA_KEY_TYPE, key_type(algorithm))
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, false)
      .add_bool(CKA_SIGN, true);
  if (algorithm == KeyAlgorithm::rsa) {
    // TLS RSA key exchange: the server decrypts (or unwraps) the pre-master.
    t.add_bool(CKA_DECRYPT, true).add_bool(CKA_UNWRAP, true);
  }
  name(t, n);
  return t;
}

p11::AttributeTemplate long_term_public(const Naming& n, KeyAlgorithm algorithm) {
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, key_type(algorithm))
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, false)
      .add_bool(CKA_VERIFY, true);
  if (algorithm == KeyAlgorithm::rsa) t.add_bool(CKA_ENCRYPT, true).add_bool(CKA_WRAP, true);
  name(t, n);
  return t;
}

}  // namespace

p11::AttributeTemplate rsa_public_to_generate(const Naming& n, CK_ULONG bits) {
  static constexpr std::uint8_t kF4[] = {0x01, 0x00, 0x01};
  auto t = long_term_public(n, KeyAlgorithm::rsa);
  t.add_ulong(CKA_MODULUS_BITS, bits).add_bytes(CKA_PUBLIC_EXPONENT, kF4);
  return t;
}

p11::AttributeTemplate ec_public_to_generate(const Naming& n, const p11::EcCurve& curve) {
  auto t = long_term_public(n, KeyAlgorithm::ec);
  t.add_bytes(CKA_EC_PARAMS, curve.der_oid);
  return t;
}

p11::AttributeTemplate private_to_generate(const Naming& n, KeyAlgorithm algorithm) {
  return long_term_private(n, algorithm);
}

p11::AttributeTemplate private_to_import(const Naming& n, const PrivateKey& key) {
  auto t = long_term_private(n, key.algorithm());
  const keyfile::PrivateParts& k = key.parts;
  if (key.algorithm() == KeyAlgorithm::rsa) {
    t.add_bytes(CKA_MODULUS, k.pub.modulus)
        .add_bytes(CKA_PUBLIC_EXPONENT, k.pub.public_exponent)
        .add_bytes(CKA_PRIVATE_EXPONENT, k.private_exponent.span())
        .add_bytes(CKA_PRIME_1, k.prime1.span())
        .add_bytes(CKA_PRIME_2, k.prime2.span())
        .add_bytes(CKA_EXPONENT_1, k.exponent1.span())
        .add_bytes(CKA_EXPONENT_2, k.exponent2.span())
        .add_bytes(CKA_COEFFICIENT, k.coefficient.span());
  } else {
    t.add_bytes(CKA_EC_PARAMS, k.pub.ec_params).add_bytes(CKA_VALUE, k.ec_value.span());
  }
  return t;
}

p11::AttributeTemplate public_to_import(const Naming& n, const PublicKey& key) {
  auto t = long_term_public(n, key.algorithm);
  if (key.algorithm == KeyAlgorithm::rsa) {
    t.add_bytes(CKA_MODULUS, key.modulus).add_bytes(CKA_PUBLIC_EXPONENT, key.public_exponent);
  } else {
    // PKCS#11 2.40 §2.3.3: CKA_EC_POINT is the DER OCTET STRING of the point.
    t.add_bytes(CKA_EC_PARAMS, key.ec_params).add_bytes(CKA_EC_POINT, keyfile::ec_point_attribute(key.point));
  }
  return t;
}

p11::AttributeTemplate certificate_to_import(const Naming& n, const Certificate& cert) {
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_CERTIFICATE)
      .add_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
      .add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, false)
      .add_bytes(CKA_SUBJECT, cert.subject)
      .add_bytes(CKA_ISSUER, cert.issuer)
      .add_bytes(CKA_SERIAL_NUMBER, cert.serial_number)
      .add_bytes(CKA_VALUE, cert.der);
  name(t, n);
  return t;
}

}  // namespace sslp11::cli::object_templates
