// sslp11-admin mechanisms: what the token can do, what each mechanism is for
// in TLS, and the derivation path sslp11 will use (with the evidence).
#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/format.h"
#include "cli/json.h"
#include "cli/token_session.h"
#include "pkcs11/capabilities.h"
#include "pkcs11/mechanism_names.h"
#include "pkcs11/tls_params.h"

namespace po = boost::program_options;

namespace sslp11::cli {

namespace {

using p11::Feature;

constexpr CommandInfo kInfo{
    "mechanisms", "[options]",
    "List the token's mechanisms, the TLS capability each gives, and the derivation path.",
    "Derivation path native: the token has CKM_TLS12_MASTER_KEY_DERIVE_DH and CKM_TLS12_KEY_AND_MAC_DERIVE, so\n"
    "no TLS secret ever leaves it. Derivation path composed: only HMAC-SHA256, from which sslp11 builds the\n"
    "TLS PRF (C_Sign on token keys; derived bytes pass a wiped host buffer). The evidence lines\n"
    "name the mechanisms that decided each capability.\n"
    "Each mechanism is printed as pkcs11-tool -M prints it, with its CKM_ name: name, keySize={min,max},\n"
    "then its flags (hw, encrypt, ..., derive, EC flags). A value the PKCS#11 headers do not name is\n"
    "printed in hex, marked (vendor) or (unknown).\n\n"
    "example: sslp11-admin mechanisms --token hsm\n"
    "         sslp11-admin mechanisms --module /usr/lib/softhsm/libsofthsm2.so --token sslp11 --json"};

// What each mechanism is used for by sslp11, and the capability (as the
// probe in pkcs11/capabilities.cpp decides it) it contributes to.
struct TlsUse {
  CK_MECHANISM_TYPE mechanism;
  Feature feature;
  std::string_view use;
};

constexpr TlsUse kTlsUses[] = {
    {CKM_TLS12_MASTER_KEY_DERIVE, Feature::Tls12MasterDerive, "native master secret from an RSA pre-master"},
    {CKM_TLS12_MASTER_KEY_DERIVE_DH, Feature::Tls12MasterDeriveDh, "native master secret from an (EC)DHE secret"},
    {CKM_TLS12_KEY_AND_MAC_DERIVE, Feature::Tls12KeyAndMacDerive, "native key block: record keys and IVs"},
    {CKM_TLS_MAC, Feature::TlsMac, "Finished verify_data"},
    {CKM_TLS12_MAC, Feature::TlsMac, "Finished verify_data"},
    {CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE, Feature::TlsExtendedMaster, "extended master secret (RFC 7627), RSA"},
    {CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH, Feature::TlsExtendedMaster, "extended master secret (RFC 7627)"},
    {CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE, Feature::TlsExtendedMaster, "extended master secret (NSS), RSA"},
    {CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_DH, Feature::TlsExtendedMaster, "extended master secret (NSS)"},
    {CKM_TLS_PRE_MASTER_KEY_GEN, Feature::TlsPreMasterGen, "RSA key exchange: the client's pre-master"},
    {CKM_SSL3_PRE_MASTER_KEY_GEN, Feature::TlsPreMasterGen, "RSA key exchange: the client's pre-master"},
    {CKM_SHA_1_HMAC, Feature::HmacSha1, "record MAC of CBC-SHA suites"},
    {CKM_SHA256_HMAC, Feature::HmacSha256, "composed TLS 1.2 PRF; record MAC of CBC-SHA256 suites"},
    {CKM_SHA384_HMAC, Feature::HmacSha384, "composed PRF of SHA-384 suites"},
    {CKM_EC_KEY_PAIR_GEN, Feature::EcKeyPairGen, "ECDHE ephemeral keys; keygen ec:*"},
    {CKM_ECDH1_DERIVE, Feature::Ecdh, "ECDHE shared secret"},
    {CKM_DH_PKCS_KEY_PAIR_GEN, Feature::DhKeyPairGen, "DHE ephemeral keys"},
    {CKM_DH_PKCS_DERIVE, Feature::DhDerive, "DHE shared secret"},
    {CKM_RSA_PKCS, Feature::RsaPkcs, "RSA key exchange (pre-master decrypt), PKCS#1 v1.5 signatures"},
    {CKM_RSA_PKCS_PSS, Feature::RsaPss, "RSA-PSS signatures"},
    {CKM_ECDSA, Feature::Ecdsa, "ECDSA signatures"},
    {CKM_AES_GCM, Feature::AesGcm, "AES-GCM record protection"},
    {CKM_AES_CBC, Feature::AesCbc, "AES-CBC record protection"},
    {CKM_CHACHA20_POLY1305, Feature::ChaCha20Poly1305, "ChaCha20-Poly1305 record protection"},
    {CKM_HKDF_DERIVE, Feature::Hkdf, "HKDF (TLS 1.3 key schedule)"},
    {CKM_GENERIC_SECRET_KEY_GEN, Feature::GenericSecretGen, "generic secret generation"},
};

const TlsUse* tls_use(CK_MECHANISM_TYPE m) {
  for (const auto& u : kTlsUses)
    if (u.mechanism == m) return &u;
  return nullptr;
}

}  // namespace

int cmd_mechanisms(const CommandArgs& args) {
  GlobalOptions global;
  po::options_description own;
  if (!parse_command_line(kInfo, args, own, global)) return kExitOk;
  const Target target = resolve_target(global);
  if (global.verbose) std::cerr << "using " << target.describe() << "\n";
  const SelectedToken token = select_target_token(target);
  const auto caps = p11::Capabilities::probe(token.module->api(), token.slot.id);

  if (global.json) {
    JsonWriter j(std::cout);
    j.begin_object()
        .field("slot", static_cast<std::uint64_t>(token.slot.id))
        .field("label", token.slot.label)
        .field("serial", token.slot.serial)
        .field("derivation_path", p11::derivation_path_name(caps.derivation_path()))
        .key("mechanisms")
        .begin_array();
    for (const auto& [type, info] : caps.mechanisms()) {
      j.begin_object()
          .field("name", p11::mechanism_name(type))
          .field("value", static_cast<std::uint64_t>(type))
          .field("min_key", static_cast<std::uint64_t>(info.ulMinKeySize))
          .field("max_key", static_cast<std::uint64_t>(info.ulMaxKeySize))
          .field("vendor", p11::is_vendor_mechanism(type))
          .string_array("flags", p11::mechanism_flag_names(info.flags));
      if (const TlsUse* use = tls_use(type)) {
        j.field("tls_use", use->use).field("capability", p11::feature_name(use->feature))
            .field("capability_available", caps.has(use->feature));
      }
      j.end_object();
    }
    j.end_array().key("capabilities").begin_array();
    std::vector<Feature> listed;  // several mechanisms may give the same capability
    for (const auto& u : kTlsUses) {
      if (std::find(listed.begin(), listed.end(), u.feature) != listed.end()) continue;
      listed.push_back(u.feature);
      j.begin_object().field("name", p11::feature_name(u.feature)).field("available", caps.has(u.feature)).end_object();
    }
    j.end_array().string_array("evidence", caps.evidence()).end_object();
    return kExitOk;
  }

  std::cout << "token '" << token.slot.label << "' (slot " << token.slot.id << ", serial " << token.slot.serial
            << "): " << caps.mechanisms().size() << " mechanisms\n\n";
  for (const auto& [type, info] : caps.mechanisms()) {
    std::cout << "  " << p11::mechanism_info_line(type, info);
    if (const TlsUse* use = tls_use(type)) {
      std::cout << "\n      TLS: " << use->use;
      if (!caps.has(use->feature)) std::cout << " (not usable: lacks the needed function flag)";
    }
    std::cout << "\n";
  }
  std::cout << "\n";
  for (const auto& line : caps.evidence()) std::cout << line << "\n";
  return kExitOk;
}

}  // namespace sslp11::cli
