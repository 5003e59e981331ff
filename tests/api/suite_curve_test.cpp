// Whether a token can finish an ECDHE suite on a given curve, answered up
// front: SslLookupCipherSuiteInfo with dwKeyType = the IANA curve id (23
// P-256, 24 P-384, 25 P-521) and SslCreateEphemeralKey for that suite and
// curve say NTE_NOT_SUPPORTED when the master key could not be derived --
// rather than handing out a key pair and failing in SslGenerateMasterKey.
//
// The one such combination on the test tokens: on SoftHSMv2 (composed path,
// the pre-master keys a C_Sign HMAC) every ECDHE suite with a SHA-384 PRF on
// P-256, because SoftHSM's HMAC-SHA384 wants keys of at least 48 bytes and a
// P-256 pre-master is 32. The same suites on P-384 / P-521, and every suite
// and curve on NSS softoken (native CKM_TLS12_* derivation), work; dwKeyType
// 0 asks about the suite alone, as before. Every "yes" is checked by running
// the exchange to a master key.
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <vector>

#include "api/api_support.h"

namespace sslp11::test {
namespace {

struct Curve {
  DWORD group;
  DWORD bits;
  const char* name;
};
constexpr std::array<Curve, 3> kCurves{{{TLS_ECC_P256_CURVE_KEY_TYPE, 256, "P-256"},
                                        {TLS_ECC_P384_CURVE_KEY_TYPE, 384, "P-384"},
                                        {TLS_ECC_P521_CURVE_KEY_TYPE, 521, "P-521"}}};

// The ECDHE suites with a SHA-384 PRF (RFC 5289), written down rather than
// read from sslp11's catalogue.
const std::set<DWORD>& sha384_ecdhe_suites() {
  static const std::set<DWORD> s{TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
                                 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384};
  return s;
}

struct OfferedSuite {
  DWORD id;
  std::string name;
};

// The ECDHE suites SslEnumCipherSuites offers (szExchange "ECDH").
std::vector<OfferedSuite> offered_ecdhe_suites(NCRYPT_PROV_HANDLE p) {
  std::vector<OfferedSuite> out;
  for (const NCRYPT_SSL_CIPHER_SUITE& s : enum_cipher_suites(p)) {
    if (ascii(s.szExchange, NCRYPT_SSL_MAX_NAME_SIZE) == "ECDH") {
      out.push_back({s.dwCipherSuite, ascii(s.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE)});
    }
  }
  return out;
}

class SuiteCurveTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  const TokenSpec& token() const { return GetParam(); }
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }

  // What the token can do: SoftHSM cannot key HMAC-SHA384 with a P-256 pre-master.
  bool runnable(DWORD suite, DWORD group) const {
    return !(token().name == "softhsm" && sha384_ecdhe_suites().count(suite) != 0 &&
             group == TLS_ECC_P256_CURVE_KEY_TYPE);
  }

  // SslCreateEphemeralKey (ours and a stand-in peer's), SslImportKey of the
  // peer's public half and SslGenerateMasterKey as a client.
  ::testing::AssertionResult master_key_works(DWORD suite, const Curve& c) {
    Handle own, peer_ephemeral, peer_public, master;
    SECURITY_STATUS s = SslCreateEphemeralKey(p(), own.out(), kTls12, suite, c.group, c.bits, nullptr, 0, 0);
    if (s != ERROR_SUCCESS) return ::testing::AssertionFailure() << "SslCreateEphemeralKey: " << last_error();
    s = SslCreateEphemeralKey(p(), peer_ephemeral.out(), kTls12, suite, c.group, c.bits, nullptr, 0, 0);
    if (s != ERROR_SUCCESS) return ::testing::AssertionFailure() << "SslCreateEphemeralKey (peer): " << last_error();
    std::array<BYTE, 512> blob{};
    DWORD n = 0;
    s = SslExportKey(p(), peer_ephemeral.get(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), blob.size(), &n, 0);
    if (s != ERROR_SUCCESS) return ::testing::AssertionFailure() << "SslExportKey: " << last_error();
    s = SslImportKey(p(), peer_public.out(), BCRYPT_ECCPUBLIC_BLOB, blob.data(), n, 0);
    if (s != ERROR_SUCCESS) return ::testing::AssertionFailure() << "SslImportKey: " << last_error();
    Randoms r;
    ParamList params = r.list();
    s = SslGenerateMasterKey(p(), own.get(), peer_public.get(), master.out(), kTls12, suite, params.desc(), nullptr, 0,
                             nullptr, NCRYPT_SSL_CLIENT_FLAG);
    if (s != ERROR_SUCCESS) return ::testing::AssertionFailure() << "SslGenerateMasterKey: " << last_error();
    return ::testing::AssertionSuccess();
  }

  ProviderHandle provider_{GetParam()};
};

TEST_P(SuiteCurveTest, LookupWithACurveSaysWhetherTheTokenCanFinishTheSuite) {
  const auto suites = offered_ecdhe_suites(p());
  ASSERT_FALSE(suites.empty());
  int refused = 0;
  for (const OfferedSuite& suite : suites) {
    SCOPED_TRACE(suite.name);
    NCRYPT_SSL_CIPHER_SUITE plain{};
    ASSERT_OK(SslLookupCipherSuiteInfo(p(), kTls12, suite.id, 0, &plain, 0)) << "dwKeyType 0 is as before";
    for (const Curve& c : kCurves) {
      SCOPED_TRACE(c.name);
      NCRYPT_SSL_CIPHER_SUITE info{};
      if (runnable(suite.id, c.group)) {
        EXPECT_OK(SslLookupCipherSuiteInfo(p(), kTls12, suite.id, c.group, &info, 0));
        EXPECT_EQ(info.dwCipherSuite, suite.id);
        EXPECT_EQ(ascii(info.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE), suite.name);
      } else {
        ++refused;
        EXPECT_STATUS(NTE_NOT_SUPPORTED, SslLookupCipherSuiteInfo(p(), kTls12, suite.id, c.group, &info, 0));
      }
    }
  }
  if (token().name == "softhsm") {
    EXPECT_GT(refused, 0) << "no SHA-384 ECDHE suite offered on SoftHSM: nothing was checked";
  }
}

TEST_P(SuiteCurveTest, EcdheRsaAes256GcmSha384OnP256) {
  const DWORD suite = TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
  NCRYPT_SSL_CIPHER_SUITE info{};
  Handle key;
  if (token().name == "softhsm") {
    EXPECT_STATUS(NTE_NOT_SUPPORTED,
                  SslLookupCipherSuiteInfo(p(), kTls12, suite, TLS_ECC_P256_CURVE_KEY_TYPE, &info, 0));
    EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateEphemeralKey(p(), key.out(), kTls12, suite,
                                                           TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0));
    EXPECT_NE(last_error().find("48"), std::string::npos) << "the explanation should name the minimum key size";
    EXPECT_EQ(key.get(), 0u);
    // The curve named by its size only is the same curve.
    EXPECT_STATUS(NTE_NOT_SUPPORTED, SslCreateEphemeralKey(p(), key.out(), kTls12, suite, 0, 256, nullptr, 0, 0));
    EXPECT_EQ(key.get(), 0u);
  } else {
    EXPECT_OK(SslLookupCipherSuiteInfo(p(), kTls12, suite, TLS_ECC_P256_CURVE_KEY_TYPE, &info, 0));
    EXPECT_OK(SslCreateEphemeralKey(p(), key.out(), kTls12, suite, TLS_ECC_P256_CURVE_KEY_TYPE, 256, nullptr, 0, 0));
    EXPECT_NE(key.get(), 0u);
    EXPECT_TRUE(master_key_works(suite, kCurves[0]));
  }
  // The suite itself, and on P-384, is fine everywhere.
  EXPECT_OK(SslLookupCipherSuiteInfo(p(), kTls12, suite, 0, &info, 0));
  EXPECT_OK(SslLookupCipherSuiteInfo(p(), kTls12, suite, TLS_ECC_P384_CURVE_KEY_TYPE, &info, 0));
  EXPECT_TRUE(master_key_works(suite, kCurves[1]));
}

// SslCreateEphemeralKey gives the lookup's answer, and every combination both
// accept runs to a master key.
TEST_P(SuiteCurveTest, EphemeralKeyAndMasterKeyAgreeWithTheLookup) {
  for (const OfferedSuite& suite : offered_ecdhe_suites(p())) {
    SCOPED_TRACE(suite.name);
    for (const Curve& c : kCurves) {
      SCOPED_TRACE(c.name);
      NCRYPT_SSL_CIPHER_SUITE info{};
      const SECURITY_STATUS looked_up = SslLookupCipherSuiteInfo(p(), kTls12, suite.id, c.group, &info, 0);
      Handle key;
      EXPECT_STATUS(looked_up,
                    SslCreateEphemeralKey(p(), key.out(), kTls12, suite.id, c.group, c.bits, nullptr, 0, 0));
      if (looked_up == ERROR_SUCCESS) {
        EXPECT_TRUE(master_key_works(suite.id, c));
      } else {
        EXPECT_EQ(key.get(), 0u);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, SuiteCurveTest, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::test
