#include "core/tls13_templates.h"

#include "core/templates.h"

namespace sslp11::core::tls13_templates {

namespace {

p11::AttributeTemplate base(p11::DerivationPath path, Use use, CK_KEY_TYPE type) {
  const bool ikm = use == Use::ikm || use == Use::travelling_psk;
  const bool readable = ikm && path == p11::DerivationPath::composed;
  p11::AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
      .add_ulong(CKA_KEY_TYPE, type)
      .add_bool(CKA_TOKEN, false)
      .add_bool(CKA_SENSITIVE, !readable)
      .add_bool(CKA_EXTRACTABLE, readable || use == Use::travelling_psk);
  switch (use) {
    case Use::chain:
    case Use::ikm:
    case Use::travelling_psk:
      if (path == p11::DerivationPath::native) {
        t.add_bool(CKA_DERIVE, true);
      } else if (use == Use::chain) {
        t.add_bool(CKA_SIGN, true);
      }
      break;
    case Use::finished:
      t.add_bool(CKA_SIGN, true);
      break;
    case Use::record:
      t.add_bool(CKA_ENCRYPT, true).add_bool(CKA_DECRYPT, true);
      break;
  }
  return t;
}

}  // namespace

p11::AttributeTemplate derived(p11::DerivationPath path, Use use, CK_KEY_TYPE type, std::size_t bytes) {
  auto t = base(path, use, type);
  t.add_ulong(CKA_VALUE_LEN, bytes);
  return t;
}

p11::AttributeTemplate created(p11::DerivationPath path, Use use, CK_KEY_TYPE type, std::span<const std::uint8_t> value) {
  auto t = base(path, use, type);
  t.add_bytes(CKA_VALUE, value);
  return t;
}

p11::AttributeTemplate unwrapped(p11::DerivationPath path, Use use, CK_KEY_TYPE type) { return base(path, use, type); }

p11::AttributeTemplate data(std::size_t bytes) {
  // A readable generic secret: the output is the caller's (an IV, exporter
  // output), read once, then destroyed. NSS softoken honours this template
  // (tests/tls13: the RFC 8448 IVs come out this way).
  return templates::readable_secret(bytes);
}

}  // namespace sslp11::core::tls13_templates
