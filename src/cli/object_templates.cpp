#include "cli/object_templates.h"

#include "keyfile/key_attributes.h"

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

constexpr std::uint8_t kF4[] = {0x01, 0x00, 0x01};
constexpr std::string_view kKekLabel = "sslp11-pool-key-transport";

p11::AttributeTemplate rsa_public_to_generate(const Naming& n, CK_ULONG bits) {
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
  keyfile::add_private_values(t, key.parts);
  return t;
}

p11::AttributeTemplate public_to_import(const Naming& n, const PublicKey& key) {
  auto t = long_term_public(n, key.algorithm);
  keyfile::add_public_values(t, key);
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

p11::AttributeTemplate kek_public_to_generate(CK_ULONG bits) {
  p11::AttributeTemplate t;
  t.add_bool(CKA_TOKEN, false)
      .add_bool(CKA_WRAP, true)
      .add_bool(CKA_ENCRYPT, false)
      .add_bool(CKA_VERIFY, false)
      .add_ulong(CKA_MODULUS_BITS, bits)
      .add_bytes(CKA_PUBLIC_EXPONENT, kF4)
      .add_string(CKA_LABEL, kKekLabel);
  return t;
}

p11::AttributeTemplate kek_private_to_generate() {
  p11::AttributeTemplate t;
  t.add_bool(CKA_TOKEN, false)
      .add_bool(CKA_PRIVATE, true)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, false)
      .add_bool(CKA_UNWRAP, true)
      .add_bool(CKA_DECRYPT, false)
      .add_bool(CKA_SIGN, false)
      .add_string(CKA_LABEL, kKekLabel);
  return t;
}

p11::AttributeTemplate kek_public_to_create(std::span<const std::uint8_t> modulus,
                                            std::span<const std::uint8_t> exponent) {
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_RSA)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_WRAP, true)
      .add_bool(CKA_ENCRYPT, false)
      .add_bool(CKA_VERIFY, false)
      .add_bytes(CKA_MODULUS, modulus)
      .add_bytes(CKA_PUBLIC_EXPONENT, exponent)
      .add_string(CKA_LABEL, kKekLabel);
  return t;
}

}  // namespace sslp11::cli::object_templates
