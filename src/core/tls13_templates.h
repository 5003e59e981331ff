// Attribute templates of the objects the TLS 1.3 key schedule makes: one
// place, beside core/templates.h (TLS 1.2), with the path deciding the usage
// flags. Every object is a session object; the minimum flags each needs:
//   chain    - a secret the schedule continues from: native = CKA_DERIVE (the
//              base key or salt key of CKM_HKDF_DERIVE), composed = CKA_SIGN
//              (the HMAC key of C_Sign)
//   finished - a finished key (RFC 8446 §4.4.4): CKA_SIGN on both paths
//   ikm      - a PSK or (EC)DHE secret: native = CKA_DERIVE like chain;
//              composed = readable (not sensitive, extractable): it is the
//              message of HKDF-Extract, and HMAC takes messages from the host
//   record   - a write key: CKA_ENCRYPT and CKA_DECRYPT
//   travelling_psk - a resumption PSK in a pool whose members all hold the
//              pool key: as ikm, and extractable (still sensitive on the
//              native path) so that its pool blob can carry it wrapped
//              (core/tls13_pool_blobs.h)
// Sensitivity is stated, never inherited, so a token that does not carry a
// base key's attributes over still makes no readable secret.
#pragma once

#include <span>

#include "pkcs11/attributes.h"
#include "pkcs11/capabilities.h"

namespace sslp11::core::tls13_templates {

enum class Use { chain, finished, ikm, record, travelling_psk };

// For C_DeriveKey: the length as CKA_VALUE_LEN.
p11::AttributeTemplate derived(p11::DerivationPath path, Use use, CK_KEY_TYPE type, std::size_t bytes);
// For C_CreateObject: the value itself (the composed path's outputs, and test fixtures).
p11::AttributeTemplate created(p11::DerivationPath path, Use use, CK_KEY_TYPE type, std::span<const std::uint8_t> value);
// For C_UnwrapKey (the token sets value and length): an imported PSK.
p11::AttributeTemplate unwrapped(p11::DerivationPath path, Use use, CK_KEY_TYPE type);
// For CKM_HKDF_DATA: a value the host reads once and destroys (an IV, an exporter output).
p11::AttributeTemplate data(std::size_t bytes);

}  // namespace sslp11::core::tls13_templates
