// What a token can do, read once from C_GetMechanismList/C_GetMechanismInfo,
// and the derivation path that follows from it:
//   native   - CKM_TLS12_* derive mechanisms: the key schedule never leaves the token
//   composed - only HMAC: sslp11 builds the TLS PRF from C_Sign on the token's keys
//   unusable - neither
// TLS 1.3 has a derivation path of its own (tls13_derivation_path()): native with CKM_HKDF_DERIVE and
// CKM_HKDF_DATA (PKCS#11 3.0), composed with HMAC only. A token may be native
// for one protocol and composed for the other.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkcs11/api.h"
#include "pkcs11/mechanism_names.h"  // mechanism_name(), for the users of the evidence

namespace sslp11::p11 {

enum class Feature {
  Tls12MasterDerive,    // CKM_TLS12_MASTER_KEY_DERIVE (RSA pre-master)
  Tls12MasterDeriveDh,  // CKM_TLS12_MASTER_KEY_DERIVE_DH ((EC)DH pre-master)
  Tls12KeyAndMacDerive,
  TlsMac,               // CKM_TLS_MAC or CKM_TLS12_MAC (Finished)
  TlsExtendedMaster,    // RFC 7627: standard (3.2) or NSS vendor mechanism
  TlsPreMasterGen,      // CKM_TLS_PRE_MASTER_KEY_GEN / CKM_SSL3_PRE_MASTER_KEY_GEN
  HmacSha1,
  HmacSha256,
  HmacSha384,
  EcKeyPairGen,
  EcMontgomeryKeyPairGen,  // x25519 keys: CKM_EC_MONTGOMERY_KEY_PAIR_GEN (or SoftHSMv2's CKM_EC_EDWARDS_KEY_PAIR_GEN)
  Ecdh,
  DhKeyPairGen,
  DhDerive,
  RsaPkcs,       // decrypt/unwrap and encrypt/wrap with PKCS#1 v1.5
  RsaPss,
  Ecdsa,
  AesGcm,
  AesCbc,
  ChaCha20Poly1305,
  Hkdf,      // CKM_HKDF_DERIVE: TLS 1.3 secrets and keys as token objects
  HkdfData,  // CKM_HKDF_DATA: TLS 1.3 IVs and exporter output, the values that leave the token
  GenericSecretGen,
};

enum class DerivationPath { native, composed, unusable };

std::string_view feature_name(Feature f);
std::string_view derivation_path_name(DerivationPath t);

class Capabilities {
 public:
  // Reads the mechanism list and each mechanism's info once. Throws p11::Error.
  static Capabilities probe(const Api& api, CK_SLOT_ID slot);

  bool has(Feature f) const;
  bool has_mechanism(CK_MECHANISM_TYPE m) const { return info_.count(m) != 0; }
  std::optional<CK_MECHANISM_INFO> info(CK_MECHANISM_TYPE m) const;
  DerivationPath derivation_path() const;
  // The TLS 1.3 key schedule's path: native when the token has CKM_HKDF_DERIVE
  // and CKM_HKDF_DATA, composed when it has HMAC-SHA256 only.
  DerivationPath tls13_derivation_path() const;
  // The extended-master-secret mechanism to use (standard first, then NSS's), or nullopt.
  std::optional<CK_MECHANISM_TYPE> extended_master_mechanism(bool dh) const;
  // The TLS Finished mechanism (CKM_TLS_MAC preferred over the deprecated alias), or nullopt.
  std::optional<CK_MECHANISM_TYPE> tls_mac_mechanism() const;
  // Smallest HMAC key (bytes) the token accepts for this HMAC mechanism (0 = no limit stated).
  std::size_t min_hmac_key_bytes(CK_MECHANISM_TYPE hmac) const;
  // The one wording of that limit: "the token's CKM_SHA384_HMAC needs keys of
  // at least 48 bytes" when `key_bytes` is below it, else nullopt. HMAC itself
  // takes any key length; this is the token's rule (SoftHSMv2: the hash length).
  std::optional<std::string> hmac_key_too_short(CK_MECHANISM_TYPE hmac, std::size_t key_bytes) const;

  // Operator-facing evidence: one line per feature, with the mechanisms that
  // decided it and their key-size range and flags.
  std::vector<std::string> evidence() const;
  const std::map<CK_MECHANISM_TYPE, CK_MECHANISM_INFO>& mechanisms() const noexcept { return info_; }

 private:
  bool has_with(CK_MECHANISM_TYPE m, CK_FLAGS needed) const;
  std::map<CK_MECHANISM_TYPE, CK_MECHANISM_INFO> info_;
};

}  // namespace sslp11::p11
