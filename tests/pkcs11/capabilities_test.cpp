// Tests of pkcs11/capabilities.cpp: the mechanism probe, the derivation path
// it implies, and the evidence shown to operators.
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "pkcs11/capabilities.h"
#include "pkcs11/token.h"
#include "support/test_tokens.h"

namespace sslp11::p11 {
namespace {

using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

// The selector for the test token (helpers instead of designated initializers,
// which trip -Wmissing-field-initializers).
TokenSelector test_token_selector(const TokenSpec& t) {
  TokenSelector s;
  s.label = t.label;
  s.serial = t.serial;
  return s;
}

// What each test token is known to offer (SoftHSMv2 2.6.1, NSS softoken 3.87).
struct Expected {
  std::vector<Feature> present;
  std::vector<Feature> absent;
  // Mechanisms the evidence must name, with "[yes]"/"[no]" decided by them.
  std::vector<CK_MECHANISM_TYPE> evidence_mentions;
  std::optional<CK_MECHANISM_TYPE> extended_master_dh;
  std::optional<CK_MECHANISM_TYPE> extended_master;
  std::optional<CK_MECHANISM_TYPE> tls_mac;
  std::map<CK_MECHANISM_TYPE, std::size_t> min_hmac_key_bytes;
};

const Expected* expected_for(const std::string& token) {
  static const std::map<std::string, Expected> table = {
      {"softhsm",
       {.present = {Feature::HmacSha256, Feature::HmacSha384, Feature::GenericSecretGen},
        .absent = {Feature::Tls12KeyAndMacDerive, Feature::Tls12MasterDerive, Feature::Tls12MasterDeriveDh,
                   Feature::TlsMac, Feature::TlsExtendedMaster},
        .evidence_mentions = {CKM_TLS12_KEY_AND_MAC_DERIVE, CKM_TLS12_MASTER_KEY_DERIVE_DH, CKM_SHA256_HMAC,
                              CKM_SHA384_HMAC},
        .extended_master_dh = std::nullopt,
        .extended_master = std::nullopt,
        .tls_mac = std::nullopt,
        .min_hmac_key_bytes = {{CKM_SHA384_HMAC, 48}}}},
      {"nss",
       {.present = {Feature::Tls12KeyAndMacDerive, Feature::Tls12MasterDerive, Feature::Tls12MasterDeriveDh,
                    Feature::TlsMac, Feature::TlsExtendedMaster, Feature::HmacSha256, Feature::HmacSha384,
                    Feature::GenericSecretGen},
        .absent = {},
        .evidence_mentions = {CKM_TLS12_KEY_AND_MAC_DERIVE, CKM_TLS12_MASTER_KEY_DERIVE_DH,
                              CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_DH, CKM_TLS_MAC},
        .extended_master_dh = CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_DH,
        .extended_master = CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE,
        .tls_mac = CKM_TLS_MAC,
        .min_hmac_key_bytes = {}}},
  };
  const auto it = table.find(token);
  return it == table.end() ? nullptr : &it->second;
}

// The evidence line of one feature ("[yes] HMAC-SHA256: CKM_SHA256_HMAC (...)").
std::string evidence_line(const std::vector<std::string>& evidence, Feature f) {
  const std::string key = std::string(feature_name(f)) + ":";
  for (const auto& line : evidence)
    if (line.find(key) != std::string::npos) return line;
  return {};
}

class CapabilitiesTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    module_ = Module::load(spec().module_path, spec().init_args);
    slot_ = select_token(*module_, test_token_selector(spec())).id;
    caps_ = Capabilities::probe(module_->api(), slot_);
    expected_ = expected_for(spec().name);
    ASSERT_NE(expected_, nullptr) << "no expectations written down for token '" << spec().name << "'";
  }
  const TokenSpec& spec() const { return GetParam(); }

  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_ = 0;
  Capabilities caps_;
  const Expected* expected_ = nullptr;
};

TEST_P(CapabilitiesTest, TierIsTheExpectedOne) {
  for (const auto& line : caps_.evidence()) std::cout << "[" << spec().name << "] " << line << "\n";
  EXPECT_EQ(derivation_path_name(caps_.derivation_path()), spec().expected_path);
  EXPECT_EQ(caps_.evidence().front(), "derivation path: " + spec().expected_path);
}

TEST_P(CapabilitiesTest, FeaturesMatchTheTokensMechanisms) {
  for (Feature f : expected_->present) EXPECT_TRUE(caps_.has(f)) << feature_name(f);
  for (Feature f : expected_->absent) EXPECT_FALSE(caps_.has(f)) << feature_name(f);
}

TEST_P(CapabilitiesTest, EvidenceNamesTheDecidingMechanisms) {
  const auto evidence = caps_.evidence();
  for (Feature f : expected_->present) {
    const std::string line = evidence_line(evidence, f);
    EXPECT_EQ(line.rfind("[yes]", 0), 0u) << feature_name(f) << ": '" << line << "'";
  }
  for (Feature f : expected_->absent) {
    const std::string line = evidence_line(evidence, f);
    EXPECT_EQ(line.rfind("[no]", 0), 0u) << feature_name(f) << ": '" << line << "'";
  }
  std::string all;
  for (const auto& line : evidence) all += line + "\n";
  for (CK_MECHANISM_TYPE m : expected_->evidence_mentions) {
    const std::string name = mechanism_name(m);
    EXPECT_EQ(name.rfind("CKM_", 0), 0u) << "mechanism 0x" << std::hex << m << " has no name";
    EXPECT_NE(all.find(name + (caps_.has_mechanism(m) ? " (key " : " (absent)")), std::string::npos)
        << name << " in\n" << all;
  }
}

TEST_P(CapabilitiesTest, ExtendedMasterAndFinishedMechanisms) {
  EXPECT_EQ(caps_.extended_master_mechanism(true), expected_->extended_master_dh);
  EXPECT_EQ(caps_.extended_master_mechanism(false), expected_->extended_master);
  EXPECT_EQ(caps_.tls_mac_mechanism(), expected_->tls_mac);
  // Neither token has the PKCS#11 3.2 standard ones.
  EXPECT_FALSE(caps_.has_mechanism(CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE));
  EXPECT_FALSE(caps_.has_mechanism(CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH));
}

TEST_P(CapabilitiesTest, HmacMinimumKeySizes) {
  for (const auto& [mechanism, bytes] : expected_->min_hmac_key_bytes)
    EXPECT_EQ(caps_.min_hmac_key_bytes(mechanism), bytes) << mechanism_name(mechanism);
  EXPECT_EQ(caps_.min_hmac_key_bytes(CKM_VENDOR_DEFINED + 0x5ee), 0u) << "absent mechanism";
}

// Oracle: the module's own C_GetMechanismList/C_GetMechanismInfo, called
// straight through its function list.
TEST_P(CapabilitiesTest, ProbeSeesExactlyWhatTheModuleLists) {
  CK_FUNCTION_LIST* f = module_->api().functions();
  CK_ULONG count = 0;
  ASSERT_EQ(f->C_GetMechanismList(slot_, nullptr, &count), CKR_OK);
  std::vector<CK_MECHANISM_TYPE> listed(count);
  ASSERT_EQ(f->C_GetMechanismList(slot_, listed.data(), &count), CKR_OK);
  listed.resize(count);
  EXPECT_EQ(caps_.mechanisms().size(), listed.size());
  for (CK_MECHANISM_TYPE m : listed) {
    CK_MECHANISM_INFO info{};
    ASSERT_EQ(f->C_GetMechanismInfo(slot_, m, &info), CKR_OK) << mechanism_name(m);
    const auto probed = caps_.info(m);
    ASSERT_TRUE(probed.has_value()) << mechanism_name(m);
    EXPECT_EQ(probed->flags, info.flags) << mechanism_name(m);
    EXPECT_EQ(probed->ulMinKeySize, info.ulMinKeySize) << mechanism_name(m);
    EXPECT_EQ(probed->ulMaxKeySize, info.ulMaxKeySize) << mechanism_name(m);
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, CapabilitiesTest, ::testing::ValuesIn(TestTokens::all()), TokenName());

TEST(Capabilities, NothingProbedIsUnusable) {
  const Capabilities none;
  EXPECT_EQ(none.derivation_path(), DerivationPath::unusable);
  EXPECT_FALSE(none.has(Feature::HmacSha256));
  EXPECT_EQ(none.extended_master_mechanism(true), std::nullopt);
  EXPECT_EQ(none.tls_mac_mechanism(), std::nullopt);
  EXPECT_EQ(none.evidence().front(), "derivation path: unusable");
}

TEST(Capabilities, Names) {
  EXPECT_EQ(mechanism_name(CKM_TLS12_KEY_AND_MAC_DERIVE), "CKM_TLS12_KEY_AND_MAC_DERIVE");
  EXPECT_EQ(mechanism_name(CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_DH), "CKM_NSS_TLS_EXTENDED_MASTER_KEY_DERIVE_DH");
  EXPECT_EQ(mechanism_name(CKM_SHA384_HMAC), "CKM_SHA384_HMAC");
  EXPECT_EQ(mechanism_name(0x80001234UL), "0x80001234 (vendor)");
  EXPECT_EQ(derivation_path_name(DerivationPath::native), "native");
  EXPECT_EQ(derivation_path_name(DerivationPath::composed), "composed");
  EXPECT_EQ(derivation_path_name(DerivationPath::unusable), "unusable");
  for (Feature f : {Feature::Tls12MasterDerive, Feature::Tls12MasterDeriveDh, Feature::Tls12KeyAndMacDerive,
                    Feature::TlsMac, Feature::TlsExtendedMaster, Feature::TlsPreMasterGen, Feature::HmacSha1,
                    Feature::HmacSha256, Feature::HmacSha384, Feature::EcKeyPairGen, Feature::Ecdh,
                    Feature::DhKeyPairGen, Feature::DhDerive, Feature::RsaPkcs, Feature::RsaPss, Feature::Ecdsa,
                    Feature::AesGcm, Feature::AesCbc, Feature::ChaCha20Poly1305, Feature::Hkdf,
                    Feature::GenericSecretGen}) {
    EXPECT_FALSE(feature_name(f).empty());
    EXPECT_NE(feature_name(f), "unknown") << static_cast<int>(f);
  }
}

}  // namespace
}  // namespace sslp11::p11
