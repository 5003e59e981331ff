// The one place that builds attribute templates for the objects sslp11 makes.
// Every secret is a session object (CKA_TOKEN false), sensitive and not
// extractable; usage flags are the minimum each object needs.
#pragma once

#include <span>

#include "core/cipher_suites.h"
#include "pkcs11/attributes.h"

namespace sslp11::core::templates {

// A pre-master secret produced by ECDH/DH derive or RSA unwrap. The composed
// schedule HMACs with it, so it may sign; the native one derives from it.
p11::AttributeTemplate premaster(std::size_t value_len);

// A short-lived secret the host must read (the composed path's DH Z before
// its leading zeros are stripped): not sensitive, extractable, derive-only.
p11::AttributeTemplate readable_secret(std::size_t value_len);

// The 48-byte master secret (derive for key expansion, sign for Finished and
// the composed PRF). With `value`, for C_CreateObject.
p11::AttributeTemplate master(std::span<const std::uint8_t> value = {});

// Write keys for CKM_TLS12_KEY_AND_MAC_DERIVE. Sensitivity is inherited from
// the master, so the template must not restate it (Kryoptic rejects that);
// NSS softoken reads the key length from CKA_VALUE_LEN, not ulKeySizeInBits.
p11::AttributeTemplate derived_write_key(const CipherSuite& suite);

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

}  // namespace sslp11::core::templates
