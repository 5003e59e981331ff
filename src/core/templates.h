// The one place that builds attribute templates for the objects sslp11 makes.
// Every secret is a session object (CKA_TOKEN false), sensitive and not
// extractable; usage flags are the minimum each object needs.
#pragma once

#include <array>
#include <span>

#include "core/cipher_suites.h"
#include "pkcs11/attributes.h"

namespace sslp11::core::templates {

// A pre-master secret produced by ECDH/DH derive or RSA unwrap. The composed
// schedule HMACs with it, so it may sign; the native one derives from it.
p11::AttributeTemplate premaster(std::size_t value_len);

// A short-lived secret the host must read (the composed path's DH Z before
// its leading zeros are stripped): the one object sslp11 makes not sensitive
// and extractable (docs/security.md, "what crosses host memory"). No usage
// flag at all: it is read once and destroyed in the same call.
p11::AttributeTemplate readable_secret(std::size_t value_len);

// The 48-byte master secret (derive for key expansion, sign for Finished and
// the composed PRF). With `value`, for C_CreateObject. `wrappable`: the one
// exception to "not extractable" - a master made in a pool whose members all
// hold the pool key, so that its blob can carry it wrapped under that key
// (core/pool_blobs.h, docs/security.md "Pool key").
p11::AttributeTemplate master(std::span<const std::uint8_t> value = {}, bool wrappable = false);
// A master from a pool blob, for C_UnwrapKey (the token sets its value and
// length): sensitive and not extractable again on the importing member.
p11::AttributeTemplate unwrapped_master();

// Write keys for CKM_TLS12_KEY_AND_MAC_DERIVE. Sensitivity is inherited from
// the master, so the template must not restate it (Kryoptic rejects that);
// NSS softoken reads the key length from CKA_VALUE_LEN, not ulKeySizeInBits.
// Built on every SslGenerateSessionKeys, so it lives on the caller's stack
// with no heap (an AttributeTemplate costs an allocation per attribute, a
// measurable share of a native key block). Not copyable: it points into itself.
class DerivedWriteKey {
 public:
  explicit DerivedWriteKey(const CipherSuite& suite);
  DerivedWriteKey(const DerivedWriteKey&) = delete;
  DerivedWriteKey& operator=(const DerivedWriteKey&) = delete;
  std::span<CK_ATTRIBUTE> span() noexcept { return attrs_; }

 private:
  CK_OBJECT_CLASS class_ = CKO_SECRET_KEY;
  CK_KEY_TYPE key_type_;
  CK_ULONG value_len_;
  CK_BBOOL false_ = CK_FALSE;
  CK_BBOOL true_ = CK_TRUE;
  std::array<CK_ATTRIBUTE, 8> attrs_;
};
inline DerivedWriteKey derived_write_key(const CipherSuite& suite) { return DerivedWriteKey(suite); }

// Key-block parts created by the composed schedule.
p11::AttributeTemplate write_key(const CipherSuite& suite, std::span<const std::uint8_t> value);
p11::AttributeTemplate mac_key(std::span<const std::uint8_t> value);

// EC / DH ephemeral key pairs.
p11::AttributeTemplate ec_public(std::span<const std::uint8_t> der_oid);
p11::AttributeTemplate dh_public(std::span<const std::uint8_t> prime, std::span<const std::uint8_t> generator);
p11::AttributeTemplate exchange_private();

// A peer's EC public key as a session object, used only to verify
// (CKA_EC_POINT = the DER OCTET STRING of the point).
p11::AttributeTemplate ec_verify_public(std::span<const std::uint8_t> der_oid,
                                        std::span<const std::uint8_t> ec_point_der);

// A peer's RSA public key: encrypts a pre-master, verifies signatures.
p11::AttributeTemplate rsa_public(std::span<const std::uint8_t> modulus, std::span<const std::uint8_t> exponent);

// The key that authenticates opaque key blobs (core/opaque_blobs.h): made on
// the token by CKM_GENERIC_SECRET_KEY_GEN, HMAC sign only.
p11::AttributeTemplate blob_mac_key(std::size_t value_len);

}  // namespace sslp11::core::templates
