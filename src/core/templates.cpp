#include "core/templates.h"

namespace sslp11::core::templates {

namespace {
p11::AttributeTemplate secret_key(CK_KEY_TYPE type, bool extractable = false) {
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, type)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_SENSITIVE, true)
      .add_bool(CKA_EXTRACTABLE, extractable);
  return t;
}
}  // namespace

p11::AttributeTemplate premaster(std::size_t value_len) {
  auto t = secret_key(CKK_GENERIC_SECRET);
  t.add_bool(CKA_DERIVE, true).add_bool(CKA_SIGN, true);
  if (value_len != 0) t.add_ulong(CKA_VALUE_LEN, value_len);
  return t;
}

p11::AttributeTemplate readable_secret(std::size_t value_len) {
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_SENSITIVE, false)
      .add_bool(CKA_EXTRACTABLE, true)
      .add_bool(CKA_DERIVE, false)
      .add_bool(CKA_SIGN, false)
      .add_ulong(CKA_VALUE_LEN, value_len);
  return t;
}

p11::AttributeTemplate master(std::span<const std::uint8_t> value, bool wrappable) {
  auto t = secret_key(CKK_GENERIC_SECRET, wrappable);
  t.add_bool(CKA_DERIVE, true).add_bool(CKA_SIGN, true).add_bool(CKA_VERIFY, true);
  if (!value.empty()) {
    t.add_bytes(CKA_VALUE, value);
  } else {
    t.add_ulong(CKA_VALUE_LEN, 48);
  }
  return t;
}

p11::AttributeTemplate unwrapped_master() {
  auto t = secret_key(CKK_GENERIC_SECRET);
  t.add_bool(CKA_DERIVE, true).add_bool(CKA_SIGN, true).add_bool(CKA_VERIFY, true);
  return t;
}

DerivedWriteKey::DerivedWriteKey(const CipherSuite& suite)
    : key_type_(cipher_key_type(suite.cipher)),
      value_len_(suite.key_bytes),
      attrs_{{{CKA_CLASS, &class_, sizeof class_},
              {CKA_KEY_TYPE, &key_type_, sizeof key_type_},
              {CKA_VALUE_LEN, &value_len_, sizeof value_len_},
              {CKA_TOKEN, &false_, sizeof false_},
              // Stated, not inherited from the master: a token that does not
              // carry the base key's sensitivity over must still not make
              // readable record keys.
              {CKA_SENSITIVE, &true_, sizeof true_},
              {CKA_EXTRACTABLE, &false_, sizeof false_},
              {CKA_ENCRYPT, &true_, sizeof true_},
              {CKA_DECRYPT, &true_, sizeof true_}}} {}

p11::AttributeTemplate write_key(const CipherSuite& suite, std::span<const std::uint8_t> value) {
  auto t = secret_key(cipher_key_type(suite.cipher));
  t.add_bool(CKA_ENCRYPT, true).add_bool(CKA_DECRYPT, true).add_bytes(CKA_VALUE, value);
  return t;
}

p11::AttributeTemplate mac_key(std::span<const std::uint8_t> value) {
  auto t = secret_key(CKK_GENERIC_SECRET);
  t.add_bool(CKA_SIGN, true).add_bool(CKA_VERIFY, true).add_bytes(CKA_VALUE, value);
  return t;
}

p11::AttributeTemplate ec_public(std::span<const std::uint8_t> der_oid) {
  p11::AttributeTemplate t;
  t.add_bool(CKA_TOKEN, false).add_bytes(CKA_EC_PARAMS, der_oid);
  return t;
}

p11::AttributeTemplate dh_public(std::span<const std::uint8_t> prime, std::span<const std::uint8_t> generator) {
  p11::AttributeTemplate t;
  t.add_bool(CKA_TOKEN, false).add_bytes(CKA_PRIME, prime).add_bytes(CKA_BASE, generator);
  return t;
}

p11::AttributeTemplate exchange_private() {
  p11::AttributeTemplate t;
  t.add_bool(CKA_TOKEN, false).add_bool(CKA_SENSITIVE, true).add_bool(CKA_EXTRACTABLE, false).add_bool(CKA_DERIVE, true);
  return t;
}

p11::AttributeTemplate ec_verify_public(std::span<const std::uint8_t> der_oid,
                                        std::span<const std::uint8_t> ec_point_der) {
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_EC)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_VERIFY, true)
      .add_bytes(CKA_EC_PARAMS, der_oid)
      .add_bytes(CKA_EC_POINT, ec_point_der);
  return t;
}

p11::AttributeTemplate rsa_public(std::span<const std::uint8_t> modulus, std::span<const std::uint8_t> exponent) {
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .add_ulong(CKA_KEY_TYPE, CKK_RSA)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_ENCRYPT, true)
      .add_bool(CKA_WRAP, true)
      .add_bool(CKA_VERIFY, true)
      .add_bytes(CKA_MODULUS, modulus)
      .add_bytes(CKA_PUBLIC_EXPONENT, exponent);
  return t;
}

p11::AttributeTemplate blob_mac_key(std::size_t value_len) {
  auto t = secret_key(CKK_GENERIC_SECRET);
  t.add_bool(CKA_SIGN, true).add_ulong(CKA_VALUE_LEN, value_len);
  return t;
}

}  // namespace sslp11::core::templates
