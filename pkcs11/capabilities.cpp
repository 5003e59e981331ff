#include "pkcs11/capabilities.h"

#include <utility>

namespace sslp11::p11 {

namespace {

struct MechanismRequirement {
  CK_MECHANISM_TYPE mechanism;
  CK_FLAGS flags;  // every one of these function flags must be set
};

struct FeatureRule {
  Feature feature;
  std::string_view name;
  // Satisfied when ANY of the alternatives is present with its flags.
  std::vector<MechanismRequirement> any_of;
};

// Data, not code: one row per feature.
const std::vector<FeatureRule>& rules() {
  static const std::vector<FeatureRule> r = {
      {Feature::Tls12MasterDerive, "TLS 1.2 master secret derive (RSA)", {{CKM_TLS12_MASTER_KEY_DERIVE, CKF_DERIVE}}},
      {Feature::Tls12MasterDeriveDh, "TLS 1.2 master secret derive ((EC)DH)", {{CKM_TLS12_MASTER_KEY_DERIVE_DH, CKF_DERIVE}}},
      {Feature::Tls12KeyAndMacDerive, "TLS 1.2 key and MAC derive", {{CKM_TLS12_KEY_AND_MAC_DERIVE, CKF_DERIVE}}},
      {Feature::TlsMac, "TLS Finished MAC", {{CKM_TLS_MAC, CKF_SIGN}, {CKM_TLS12_MAC, CKF_SIGN}}},
      {Feature::TlsExtendedMaster,
       "TLS extended master secret (RFC 7627)",
       {{CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH, CKF_DERIVE}, {CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_DH, CKF_DERIVE}}},
      {Feature::TlsPreMasterGen,
       "TLS RSA pre-master generation",
       {{CKM_TLS_PRE_MASTER_KEY_GEN, CKF_GENERATE}, {CKM_SSL3_PRE_MASTER_KEY_GEN, CKF_GENERATE}}},
      {Feature::HmacSha1, "HMAC-SHA1", {{CKM_SHA_1_HMAC, CKF_SIGN}}},
      {Feature::HmacSha256, "HMAC-SHA256", {{CKM_SHA256_HMAC, CKF_SIGN}}},
      {Feature::HmacSha384, "HMAC-SHA384", {{CKM_SHA384_HMAC, CKF_SIGN}}},
      {Feature::EcKeyPairGen, "EC key pair generation", {{CKM_EC_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR}}},
      // SoftHSMv2 2.6 has no CKM_EC_MONTGOMERY_KEY_PAIR_GEN: its Edwards
      // generator makes x25519 keys (CKA_EC_PARAMS id-X25519, CKK_EC_EDWARDS)
      // that its CKM_ECDH1_DERIVE takes.
      {Feature::EcMontgomeryKeyPairGen, "x25519 key pair generation",
       {{CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR}, {CKM_EC_EDWARDS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR}}},
      {Feature::Ecdh, "ECDH", {{CKM_ECDH1_DERIVE, CKF_DERIVE}}},
      {Feature::DhKeyPairGen, "DH key pair generation", {{CKM_DH_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR}}},
      {Feature::DhDerive, "DH derive", {{CKM_DH_PKCS_DERIVE, CKF_DERIVE}}},
      {Feature::RsaPkcs, "RSA PKCS#1 v1.5 decrypt/unwrap", {{CKM_RSA_PKCS, CKF_DECRYPT}, {CKM_RSA_PKCS, CKF_UNWRAP}}},
      {Feature::RsaPss, "RSA-PSS", {{CKM_RSA_PKCS_PSS, CKF_SIGN}}},
      {Feature::Ecdsa, "ECDSA", {{CKM_ECDSA, CKF_SIGN}}},
      {Feature::AesGcm, "AES-GCM", {{CKM_AES_GCM, CKF_ENCRYPT | CKF_DECRYPT}}},
      {Feature::AesCbc, "AES-CBC", {{CKM_AES_CBC, CKF_ENCRYPT | CKF_DECRYPT}}},
      {Feature::ChaCha20Poly1305, "ChaCha20-Poly1305", {{CKM_CHACHA20_POLY1305, CKF_ENCRYPT | CKF_DECRYPT}}},
      {Feature::Hkdf, "HKDF", {{CKM_HKDF_DERIVE, CKF_DERIVE}}},
      {Feature::HkdfData, "HKDF to a data object", {{CKM_HKDF_DATA, CKF_DERIVE}}},
      {Feature::GenericSecretGen, "generic secret generation", {{CKM_GENERIC_SECRET_KEY_GEN, CKF_GENERATE}}},
  };
  return r;
}

const FeatureRule& rule(Feature f) {
  for (const auto& r : rules())
    if (r.feature == f) return r;
  static const FeatureRule none{f, "unknown", {}};
  return none;
}

std::string flags_text(CK_FLAGS f) {
  std::string s;
  for (const auto& name : mechanism_flag_names(f)) s.append(s.empty() ? "" : ",").append(name);
  return s.empty() ? "-" : s;
}

}  // namespace

std::string_view feature_name(Feature f) { return rule(f).name; }

std::string_view derivation_path_name(DerivationPath t) {
  switch (t) {
    case DerivationPath::native:
      return "native";
    case DerivationPath::composed:
      return "composed";
    case DerivationPath::unusable:
      break;
  }
  return "unusable";
}

Capabilities Capabilities::probe(const Api& api, CK_SLOT_ID slot) {
  Capabilities c;
  for (CK_MECHANISM_TYPE m : api.C_GetMechanismList(slot)) {
    try {
      c.info_[m] = api.C_GetMechanismInfo(slot, m);
    } catch (const Error&) {
      // Listed but without info: treat as absent rather than guess its flags.
    }
  }
  return c;
}

bool Capabilities::has_with(CK_MECHANISM_TYPE m, CK_FLAGS needed) const {
  const auto it = info_.find(m);
  return it != info_.end() && (it->second.flags & needed) == needed;
}

bool Capabilities::has(Feature f) const {
  for (const auto& req : rule(f).any_of)
    if (has_with(req.mechanism, req.flags)) return true;
  return false;
}

std::optional<CK_MECHANISM_INFO> Capabilities::info(CK_MECHANISM_TYPE m) const {
  const auto it = info_.find(m);
  if (it == info_.end()) return std::nullopt;
  return it->second;
}

DerivationPath Capabilities::derivation_path() const {
  if (has(Feature::Tls12MasterDeriveDh) && has(Feature::Tls12KeyAndMacDerive)) return DerivationPath::native;
  if (has(Feature::HmacSha256)) return DerivationPath::composed;
  return DerivationPath::unusable;
}

DerivationPath Capabilities::tls13_derivation_path() const {
  if (has(Feature::Hkdf) && has(Feature::HkdfData)) return DerivationPath::native;
  if (has(Feature::HmacSha256)) return DerivationPath::composed;
  return DerivationPath::unusable;
}

std::optional<CK_MECHANISM_TYPE> Capabilities::extended_master_mechanism(bool dh) const {
  const CK_MECHANISM_TYPE standard = dh ? CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH : CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE;
  const CK_MECHANISM_TYPE nss = dh ? CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_DH : CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE;
  if (has_with(standard, CKF_DERIVE)) return standard;
  if (has_with(nss, CKF_DERIVE)) return nss;
  return std::nullopt;
}

std::optional<CK_MECHANISM_TYPE> Capabilities::tls_mac_mechanism() const {
  if (has_with(CKM_TLS_MAC, CKF_SIGN)) return CKM_TLS_MAC;
  if (has_with(CKM_TLS12_MAC, CKF_SIGN)) return CKM_TLS12_MAC;
  return std::nullopt;
}

std::size_t Capabilities::min_hmac_key_bytes(CK_MECHANISM_TYPE hmac) const {
  const auto i = info(hmac);
  return i ? i->ulMinKeySize : 0;
}

std::optional<std::string> Capabilities::hmac_key_too_short(CK_MECHANISM_TYPE hmac, std::size_t key_bytes) const {
  const std::size_t min = min_hmac_key_bytes(hmac);
  if (key_bytes >= min) return std::nullopt;
  std::string why = "the token's ";
  why.append(mechanism_name(hmac)).append(" needs keys of at least ").append(std::to_string(min)).append(" bytes");
  return why;
}

std::vector<std::string> Capabilities::evidence() const {
  // Built with append(): gcc 12 at -O3 raises a false -Wrestrict on chains of
  // operator+ over string literals.
  std::vector<std::string> lines;
  std::string head = "derivation path: ";
  head.append(derivation_path_name(derivation_path()));
  lines.push_back(std::move(head));
  std::string tls13 = "TLS 1.3 derivation path: ";
  tls13.append(derivation_path_name(tls13_derivation_path()));
  lines.push_back(std::move(tls13));
  for (const auto& r : rules()) {
    std::string line = has(r.feature) ? "[yes] " : "[no]  ";
    line.append(r.name).append(":");
    for (const auto& req : r.any_of) {
      line.append(" ").append(mechanism_name(req.mechanism));
      if (const auto i = info(req.mechanism)) {
        line.append(" (key ")
            .append(std::to_string(i->ulMinKeySize))
            .append("..")
            .append(std::to_string(i->ulMaxKeySize))
            .append(", ")
            .append(flags_text(i->flags))
            .append(")");
      } else {
        line.append(" (absent)");
      }
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace sslp11::p11
