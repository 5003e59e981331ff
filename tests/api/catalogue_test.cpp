// API contract of the cipher-suite catalogue (src/abi/catalogue.cpp):
// SslEnumCipherSuites(+Ex), SslLookupCipherSuiteInfo, SslLookupCipherLengths,
// SslGetCipherSuitePRFHashAlgorithm and SslEnumEccCurves. Expected values:
// reference §2.B, §3.3-3.5, §4.1-4.4. The enumeration must be honest per token:
// exactly the suites the token's probed capabilities can run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "api/api_support.h"
#include "core/cipher_suites.h"
#include "pkcs11/capabilities.h"

namespace sslp11::test {
namespace {

std::string hex(DWORD v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%04X", static_cast<unsigned>(v));
  return s;
}

// Every suite SslEnumCipherSuites returns, in order (enum_cipher_suites); the
// first call must hand back an enumeration state.
std::vector<NCRYPT_SSL_CIPHER_SUITE> enumerate(NCRYPT_PROV_HANDLE p) {
  bool state_returned = false;
  std::vector<NCRYPT_SSL_CIPHER_SUITE> out = enum_cipher_suites(p, &state_returned);
  EXPECT_TRUE(state_returned) << "the first call must hand back an enumeration state";
  return out;
}

std::set<DWORD> ids(const std::vector<NCRYPT_SSL_CIPHER_SUITE>& suites) {
  std::set<DWORD> out;
  for (const auto& s : suites) out.insert(s.dwCipherSuite);
  return out;
}

// The token's capabilities, probed independently of the provider.
p11::Capabilities probe(const TokenSpec& spec) {
  auto module = p11::Module::load(spec.module_path, spec.init_args);
  p11::TokenSelector selector;
  selector.label = spec.label;
  selector.serial = spec.serial;
  return p11::Capabilities::probe(module->api(), p11::select_token(*module, selector).id);
}

bool offers_chacha(const TokenSpec& spec) { return spec.name == "nss"; }

class CatalogueTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  const TokenSpec& token() const { return GetParam(); }
  ProviderHandle provider_{GetParam()};
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }
};

// ---- SslEnumCipherSuites ----

TEST_P(CatalogueTest, EnumerationEndsWithNoMoreItemsAndOffersEachSuiteOnce) {
  const auto suites = enumerate(p());
  ASSERT_FALSE(suites.empty());
  EXPECT_EQ(ids(suites).size(), suites.size()) << "a suite was enumerated twice";
  for (const auto& s : suites) {
    EXPECT_EQ(s.dwProtocol, kTls12) << ascii(s.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE);
  }
}

TEST_P(CatalogueTest, EnumerationIsExactlyWhatTheTokenCanRun) {
  const p11::Capabilities caps = probe(token());
  const std::set<DWORD> offered = ids(enumerate(p()));
  for (const core::CipherSuite& s : core::all_cipher_suites()) {
    const auto why = core::suite_unavailable_reason(s, caps, core::DerivationPolicy::allow_composed);
    if (offered.count(s.id) != 0) {
      EXPECT_EQ(why, std::nullopt) << s.name << " is enumerated but the token cannot run it";
    } else {
      EXPECT_NE(why, std::nullopt) << s.name << " is runnable on the token but not enumerated";
    }
  }
  for (DWORD id : offered) {
    EXPECT_NE(core::find_cipher_suite(id), nullptr) << hex(id) << " is not in the catalogue";
  }
}

TEST_P(CatalogueTest, ChaChaSuitesOnlyWhereTheTokenHasChaCha20Poly1305) {
  const std::set<DWORD> offered = ids(enumerate(p()));
  for (DWORD id :
       {DWORD{TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}, DWORD{TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
        DWORD{TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256}}) {
    EXPECT_EQ(offered.count(id), offers_chacha(token()) ? 1u : 0u) << hex(id);
  }
}

TEST_P(CatalogueTest, ThePromisedSuitesAreOffered) {
  const std::set<DWORD> offered = ids(enumerate(p()));
  const DWORD promised[] = {
      TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
      TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
      TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
      TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
      TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
      TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
      TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
      TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
      TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
      TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
      TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
      TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
      TLS_RSA_WITH_AES_128_GCM_SHA256,
      TLS_RSA_WITH_AES_256_GCM_SHA384,
      TLS_RSA_WITH_AES_128_CBC_SHA256,
      TLS_RSA_WITH_AES_256_CBC_SHA256,
      TLS_RSA_WITH_AES_128_CBC_SHA,
      TLS_RSA_WITH_AES_256_CBC_SHA,
      TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
      TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
      TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
      TLS_DHE_RSA_WITH_AES_256_CBC_SHA256,
      TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
      TLS_DHE_RSA_WITH_AES_256_CBC_SHA,
  };
  for (DWORD id : promised) {
    EXPECT_EQ(offered.count(id), 1u) << hex(id) << " is not offered";
  }
}

TEST_P(CatalogueTest, AConfiguredSuiteListLimitsTheEnumeration) {
  ProviderHandle limited(token(), "cipher-suites = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "one-suite");
  EXPECT_EQ(ids(enumerate(limited.get())), std::set<DWORD>{TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256});
  NCRYPT_SSL_CIPHER_SUITE info{};
  EXPECT_OK(SslLookupCipherSuiteInfo(limited.get(), kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0, &info, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslLookupCipherSuiteInfo(limited.get(), kTls12, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0, &info, 0));
}

// The config's `protocols` decides which of the two catalogues is offered;
// everything of a protocol left out is NTE_NOT_SUPPORTED with the reason.
TEST_P(CatalogueTest, ProtocolsTls12OnlyOffersNoTls13Suite) {
  ProviderHandle limited(token(), "protocols = tls1.2", "tls12-only");
  EXPECT_FALSE(enumerate(limited.get()).empty());
  EXPECT_TRUE(enum_cipher_suites(limited.get(), nullptr, TLS1_3_PROTOCOL_VERSION).empty());
  NCRYPT_SSL_CIPHER_SUITE info{};
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslLookupCipherSuiteInfo(limited.get(), TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 0, &info, 0));
  EXPECT_NE(last_error().find("TLS 1.3 is not among the configuration's protocols"), std::string::npos)
      << last_error();
  NCRYPT_HASH_HANDLE hash = 0;
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslCreateHandshakeHash(limited.get(), &hash, TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 0));
  EXPECT_OK(SslLookupCipherSuiteInfo(limited.get(), kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0, &info, 0));
}

TEST_P(CatalogueTest, ProtocolsTls13OnlyOffersNoTls12Suite) {
  ProviderHandle limited(token(), "protocols = tls1.3", "tls13-only");
  EXPECT_TRUE(enumerate(limited.get()).empty());
  EXPECT_FALSE(enum_cipher_suites(limited.get(), nullptr, TLS1_3_PROTOCOL_VERSION).empty());
  NCRYPT_SSL_CIPHER_SUITE info{};
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslLookupCipherSuiteInfo(limited.get(), kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0, &info, 0));
  EXPECT_NE(last_error().find("TLS 1.2 is not among the configuration's protocols"), std::string::npos)
      << last_error();
  EXPECT_OK(SslLookupCipherSuiteInfo(limited.get(), TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 0, &info, 0));
}

TEST_P(CatalogueTest, AConfiguredTls13SuiteListLimitsTheEnumeration) {
  ProviderHandle limited(token(), "cipher-suites = TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                         "two-suites");
  EXPECT_EQ(ids(enumerate(limited.get())), std::set<DWORD>{TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256});
  EXPECT_EQ(ids(enum_cipher_suites(limited.get(), nullptr, TLS1_3_PROTOCOL_VERSION)),
            std::set<DWORD>{TLS_AES_256_GCM_SHA384});
  NCRYPT_SSL_CIPHER_SUITE info{};
  EXPECT_STATUS(NTE_NOT_SUPPORTED,
                SslLookupCipherSuiteInfo(limited.get(), TLS1_3_PROTOCOL_VERSION, TLS_AES_128_GCM_SHA256, 0, &info, 0));
  EXPECT_NE(last_error().find("is not enabled in the configuration"), std::string::npos) << last_error();
}

struct ExpectedSuite {
  DWORD id;
  const char* name;
  const char* cipher;
  DWORD cipher_bits;
  const char* exchange;
  const char* certificate;
  const char* hash;
  const char* mode;
};

// §3.5: CNG identifiers in the string fields, key strength in bits.
constexpr ExpectedSuite kExpected[] = {
    {TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "AES", 128, "ECDH", "RSA",
     "SHA256", "ChainingModeGCM"},
    {TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "AES", 256, "ECDH", "ECDSA",
     "SHA384", "ChainingModeGCM"},
    {TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "AES", 256, "ECDH", "RSA",
     "SHA384", "ChainingModeCBC"},
    {TLS_RSA_WITH_AES_128_CBC_SHA, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES", 128, "RSA", "RSA", "SHA1", "ChainingModeCBC"},
    {TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "AES", 128, "DH", "RSA", "SHA256",
     "ChainingModeGCM"},
};

TEST_P(CatalogueTest, SuiteStructFieldsForKnownSuites) {
  for (const ExpectedSuite& e : kExpected) {
    SCOPED_TRACE(e.name);
    NCRYPT_SSL_CIPHER_SUITE s{};
    ASSERT_OK(SslLookupCipherSuiteInfo(p(), kTls12, e.id, 0, &s, 0));
    EXPECT_EQ(s.dwProtocol, kTls12);
    EXPECT_EQ(s.dwCipherSuite, e.id);
    EXPECT_EQ(s.dwBaseCipherSuite, e.id);
    EXPECT_EQ(ascii(s.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE), e.name);
    EXPECT_EQ(ascii(s.szCipher, NCRYPT_SSL_MAX_NAME_SIZE), e.cipher);
    EXPECT_EQ(s.dwCipherLen, e.cipher_bits);
    EXPECT_EQ(ascii(s.szExchange, NCRYPT_SSL_MAX_NAME_SIZE), e.exchange);
    EXPECT_EQ(ascii(s.szCertificate, NCRYPT_SSL_MAX_NAME_SIZE), e.certificate);
    EXPECT_EQ(ascii(s.szHash, NCRYPT_SSL_MAX_NAME_SIZE), e.hash);
  }
}

TEST_P(CatalogueTest, EnumeratedStructsMatchTheLookup) {
  for (const auto& s : enumerate(p())) {
    SCOPED_TRACE(ascii(s.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE));
    NCRYPT_SSL_CIPHER_SUITE looked_up{};
    ASSERT_OK(SslLookupCipherSuiteInfo(p(), kTls12, s.dwCipherSuite, s.dwKeyType, &looked_up, 0));
    EXPECT_EQ(std::memcmp(&s, &looked_up, sizeof s), 0);
  }
}

// ---- SslEnumCipherSuitesEx ----

TEST_P(CatalogueTest, EnumCipherSuitesExAddsVersionAndChainingMode) {
  std::vector<DWORD> ex_ids;
  PVOID state = nullptr;
  for (int guard = 0; guard < 1000; ++guard) {
    NCRYPT_SSL_CIPHER_SUITE_EX* s = nullptr;
    const SECURITY_STATUS status = SslEnumCipherSuitesEx(p(), 0, &s, &state, 0);
    if (status == NTE_NO_MORE_ITEMS) break;
    ASSERT_OK(status);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->dwVersion, DWORD{NCRYPT_SSL_CIPHER_SUITE_EX_VERSION});
    if (s->dwProtocol == TLS1_3_PROTOCOL_VERSION) {  // the TLS 1.3 suites are tests/tls13_api's
      EXPECT_OK(SslFreeBuffer(s));
      continue;
    }
    EXPECT_EQ(s->dwProtocol, kTls12);
    ex_ids.push_back(s->dwCipherSuite);
    for (const ExpectedSuite& e : kExpected) {
      if (e.id != s->dwCipherSuite) continue;
      EXPECT_EQ(ascii(s->szCipherMode, NCRYPT_SSL_MAX_NAME_SIZE), e.mode) << e.name;
      EXPECT_EQ(ascii(s->szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE), e.name);
      EXPECT_EQ(s->dwCipherLen, e.cipher_bits) << e.name;
    }
    EXPECT_OK(SslFreeBuffer(s));
  }
  ASSERT_NE(state, nullptr);
  EXPECT_OK(SslFreeBuffer(state));
  std::vector<DWORD> plain_ids;
  for (const auto& s : enumerate(p())) plain_ids.push_back(s.dwCipherSuite);
  EXPECT_EQ(ex_ids, plain_ids) << "the Ex enumeration must list the same suites in the same order";
}

// ---- Enumeration state misuse ----

TEST_P(CatalogueTest, AGarbageEnumerationStateIsInvalidParameter) {
  NCRYPT_SSL_CIPHER_SUITE* s = nullptr;
  std::uint64_t garbage[8];
  std::fill(std::begin(garbage), std::end(garbage), 0x5355495453554954ull);  // even the "SUIT" magic
  PVOID state = garbage;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumCipherSuites(p(), 0, &s, &state, 0));
  EXPECT_EQ(s, nullptr);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumCipherSuites(p(), 0, &s, nullptr, 0));
  NCRYPT_SSL_CIPHER_SUITE_EX* ex = nullptr;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumCipherSuitesEx(p(), 0, &ex, &state, 0));
}

TEST_P(CatalogueTest, AFreedEnumerationStateIsInvalidParameter) {
  NCRYPT_SSL_CIPHER_SUITE* s = nullptr;
  PVOID state = nullptr;
  ASSERT_OK(SslEnumCipherSuites(p(), 0, &s, &state, 0));
  EXPECT_OK(SslFreeBuffer(s));
  EXPECT_OK(SslFreeBuffer(state));
  s = nullptr;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumCipherSuites(p(), 0, &s, &state, 0));
  EXPECT_EQ(s, nullptr);
}

TEST_P(CatalogueTest, AnEnumerationStateOfAnotherProviderIsInvalidParameter) {
  ProviderHandle other(token());
  NCRYPT_SSL_CIPHER_SUITE* s = nullptr;
  PVOID state = nullptr;
  ASSERT_OK(SslEnumCipherSuites(other.get(), 0, &s, &state, 0));
  EXPECT_OK(SslFreeBuffer(s));
  s = nullptr;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumCipherSuites(p(), 0, &s, &state, 0));
  EXPECT_EQ(s, nullptr);
  EXPECT_OK(SslFreeBuffer(state));
}

TEST_P(CatalogueTest, EnumerationErrors) {
  NCRYPT_SSL_CIPHER_SUITE* s = nullptr;
  PVOID state = nullptr;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslEnumCipherSuites(kForgedHandle, 0, &s, &state, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslEnumCipherSuites(0, 0, &s, &state, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumCipherSuites(p(), 0, nullptr, &state, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslEnumCipherSuites(p(), 0, &s, &state, 1));
  // hPrivateKey must come from SslOpenPrivateKey (§2.B): an ephemeral key is not one.
  Handle eph;
  ASSERT_OK(
      SslCreateEphemeralKey(p(), eph.out(), kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 23, 256, nullptr, 0, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslEnumCipherSuites(p(), eph.get(), &s, &state, 0));
  if (state != nullptr) {
    EXPECT_OK(SslFreeBuffer(state));
  }
}

TEST_P(CatalogueTest, APrivateKeyRestrictsTheEnumerationToItsSuites) {
  TokenRsaKey rsa(token());
  Handle key;
  ASSERT_OK(SslOpenPrivateKey(p(), key.out(), rsa.cert_context(), 0));
  PVOID state = nullptr;
  int count = 0;
  for (int guard = 0; guard < 1000; ++guard) {
    NCRYPT_SSL_CIPHER_SUITE* s = nullptr;
    const SECURITY_STATUS status = SslEnumCipherSuites(p(), key.get(), &s, &state, 0);
    if (status == NTE_NO_MORE_ITEMS) break;
    ASSERT_OK(status);
    if (s->dwProtocol == TLS1_3_PROTOCOL_VERSION) {  // certificate negotiated apart (tests/tls13_api)
      EXPECT_OK(SslFreeBuffer(s));
      continue;
    }
    EXPECT_EQ(ascii(s->szCertificate, NCRYPT_SSL_MAX_NAME_SIZE), "RSA")
        << ascii(s->szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE) << " is not usable with an RSA key";
    ++count;
    EXPECT_OK(SslFreeBuffer(s));
  }
  EXPECT_GT(count, 0);
  ASSERT_NE(state, nullptr);
  EXPECT_OK(SslFreeBuffer(state));
}

// ---- SslLookupCipherSuiteInfo ----

TEST_P(CatalogueTest, LookupCipherSuiteInfoErrors) {
  NCRYPT_SSL_CIPHER_SUITE s{};
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslLookupCipherSuiteInfo(p(), kTls12, kUnknownSuite, 0, &s, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslLookupCipherSuiteInfo(p(), kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslLookupCipherSuiteInfo(kForgedHandle, kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0, &s, 0));
}

// ---- SslLookupCipherLengths ----

struct Lengths {
  DWORD header, fixed_trailer, max_variable_trailer, flags;
};

Lengths lengths_of(NCRYPT_PROV_HANDLE p, DWORD suite) {
  NCRYPT_SSL_CIPHER_LENGTHS l{};
  EXPECT_OK(SslLookupCipherLengths(p, kTls12, suite, 0, &l, sizeof l, 0)) << hex(suite);
  EXPECT_EQ(l.cbLength, 20u) << hex(suite);
  return {l.dwHeaderLen, l.dwFixedTrailerLen, l.dwMaxVariableTrailerLen, l.dwFlags};
}

void expect_lengths(NCRYPT_PROV_HANDLE p, DWORD suite, Lengths want) {
  const Lengths got = lengths_of(p, suite);
  EXPECT_EQ(got.header, want.header) << hex(suite) << " dwHeaderLen";
  EXPECT_EQ(got.fixed_trailer, want.fixed_trailer) << hex(suite) << " dwFixedTrailerLen";
  EXPECT_EQ(got.max_variable_trailer, want.max_variable_trailer) << hex(suite) << " dwMaxVariableTrailerLen";
  EXPECT_EQ(got.flags, want.flags) << hex(suite) << " dwFlags";
}

constexpr DWORD kPad = NCRYPT_SSL_CIPHER_LENGTHS_BLOCK_PADDING;

TEST_P(CatalogueTest, CipherLengthsFollowTheSuiteClass) {
  // §2.B [OBS]: AEAD 8/16/0/0 (explicit nonce, tag); CBC: block/MAC/block/BLOCK_PADDING.
  expect_lengths(p(), TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, {8, 16, 0, 0});
  expect_lengths(p(), TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, {8, 16, 0, 0});
  expect_lengths(p(), TLS_RSA_WITH_AES_128_GCM_SHA256, {8, 16, 0, 0});
  expect_lengths(p(), TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, {16, 20, 16, kPad});
  expect_lengths(p(), TLS_RSA_WITH_AES_256_CBC_SHA, {16, 20, 16, kPad});
  expect_lengths(p(), TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, {16, 32, 16, kPad});
  expect_lengths(p(), TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, {16, 48, 16, kPad});
  if (offers_chacha(token())) {
    // RFC 7905: no explicit nonce.
    expect_lengths(p(), TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, {0, 16, 0, 0});
    expect_lengths(p(), TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, {0, 16, 0, 0});
  }
}

TEST_P(CatalogueTest, CipherLengthsOfEveryOfferedSuiteAgreeWithItsStruct) {
  for (const auto& s : enumerate(p())) {
    SCOPED_TRACE(ascii(s.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE));
    const Lengths got = lengths_of(p(), s.dwCipherSuite);
    const std::string hash = ascii(s.szHash, NCRYPT_SSL_MAX_NAME_SIZE);
    const std::string name = ascii(s.szCipherSuite, NCRYPT_SSL_MAX_NAME_SIZE);
    if (name.find("_GCM_") != std::string::npos) {
      EXPECT_EQ(got.header, 8u);
      EXPECT_EQ(got.fixed_trailer, 16u);
      EXPECT_EQ(got.max_variable_trailer, 0u);
      EXPECT_EQ(got.flags, 0u);
    } else if (name.find("CHACHA20") != std::string::npos) {
      EXPECT_EQ(got.header, 0u);
      EXPECT_EQ(got.fixed_trailer, 16u);
      EXPECT_EQ(got.max_variable_trailer, 0u);
      EXPECT_EQ(got.flags, 0u);
    } else {
      const DWORD mac = hash == "SHA1" ? 20 : hash == "SHA256" ? 32 : hash == "SHA384" ? 48 : 0;
      EXPECT_EQ(got.header, s.dwCipherBlockLen);
      EXPECT_EQ(got.fixed_trailer, mac);
      EXPECT_EQ(got.max_variable_trailer, s.dwCipherBlockLen);
      EXPECT_EQ(got.flags, kPad);
    }
  }
}

TEST_P(CatalogueTest, CipherLengthsErrors) {
  NCRYPT_SSL_CIPHER_LENGTHS l{};
  const DWORD suite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslLookupCipherLengths(p(), kTls12, suite, 0, &l, 19, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslLookupCipherLengths(p(), kTls12, suite, 0, &l, 0, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslLookupCipherLengths(p(), kTls12, suite, 0, nullptr, sizeof l, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslLookupCipherLengths(p(), TLS1_0_PROTOCOL_VERSION, suite, 0, &l, sizeof l, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslLookupCipherLengths(p(), SSL3_PROTOCOL_VERSION, suite, 0, &l, sizeof l, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslLookupCipherLengths(p(), kTls12, kUnknownSuite, 0, &l, sizeof l, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslLookupCipherLengths(p(), kTls12, suite, 0, &l, sizeof l, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslLookupCipherLengths(kForgedHandle, kTls12, suite, 0, &l, sizeof l, 0));
  // A larger buffer is fine ("≥ 20"); the provider writes 20 bytes.
  struct {
    NCRYPT_SSL_CIPHER_LENGTHS l;
    DWORD after;
  } bigger{{}, 0xA5A5A5A5u};
  EXPECT_OK(SslLookupCipherLengths(p(), kTls12, suite, 0, &bigger.l, sizeof bigger, 0));
  EXPECT_EQ(bigger.l.cbLength, 20u);
  EXPECT_EQ(bigger.after, 0xA5A5A5A5u);
}

// ---- SslGetCipherSuitePRFHashAlgorithm ----

TEST_P(CatalogueTest, PrfHashIsTheSuiteHashForTls12) {
  const std::pair<DWORD, const char*> cases[] = {
      {TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "SHA256"},   {TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "SHA384"},
      {TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, "SHA384"}, {TLS_RSA_WITH_AES_128_CBC_SHA, "SHA256"},
      {TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, "SHA384"},
  };
  for (const auto& [suite, want] : cases) {
    WCHAR name[NCRYPT_SSL_MAX_NAME_SIZE] = {};
    ASSERT_OK(SslGetCipherSuitePRFHashAlgorithm(p(), kTls12, suite, 0, name, 0));
    EXPECT_EQ(ascii(name, NCRYPT_SSL_MAX_NAME_SIZE), want) << hex(suite);
  }
}

TEST_P(CatalogueTest, PrfHashErrors) {
  WCHAR name[NCRYPT_SSL_MAX_NAME_SIZE] = {};
  const DWORD suite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslGetCipherSuitePRFHashAlgorithm(p(), kTls12, suite, 0, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslGetCipherSuitePRFHashAlgorithm(p(), kTls12, suite, 0, name, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslGetCipherSuitePRFHashAlgorithm(kForgedHandle, kTls12, suite, 0, name, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslGetCipherSuitePRFHashAlgorithm(p(), kTls12, kUnknownSuite, 0, name, 0));
}

// ---- SslEnumEccCurves ----

TEST_P(CatalogueTest, EccCurvesIncludeP256AndP384WithNamesAndOids) {
  DWORD count = 0;
  Buffer<NCRYPT_SSL_ECC_CURVE> curves;
  ASSERT_OK(SslEnumEccCurves(p(), &count, curves.out(), 0));
  ASSERT_NE(curves.get(), nullptr);
  bool p256 = false, p384 = false;
  for (DWORD i = 0; i < count; ++i) {
    const NCRYPT_SSL_ECC_CURVE& c = curves.get()[i];
    const std::string name = ascii(c.szCurveName, MSCRYPT_ECC_MAX_CURVE_NAME_LENGTH);
    const std::string oid(c.szOID, strnlen(c.szOID, MSCRYPT_ECC_MAX_OID_LENGTH));
    if (c.dwCurveType == TLS_ECC_P256_CURVE_KEY_TYPE) {
      p256 = true;
      EXPECT_EQ(name, "nistP256");
      EXPECT_EQ(oid, "1.2.840.10045.3.1.7");
    } else if (c.dwCurveType == TLS_ECC_P384_CURVE_KEY_TYPE) {
      p384 = true;
      EXPECT_EQ(name, "nistP384");
      EXPECT_EQ(oid, "1.3.132.0.34");
    }
  }
  EXPECT_TRUE(p256);
  EXPECT_TRUE(p384);
}

TEST_P(CatalogueTest, EccCurveErrors) {
  DWORD count = 0;
  NCRYPT_SSL_ECC_CURVE* curves = nullptr;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumEccCurves(p(), nullptr, &curves, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumEccCurves(p(), &count, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslEnumEccCurves(p(), &count, &curves, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslEnumEccCurves(kForgedHandle, &count, &curves, 0));
  EXPECT_EQ(curves, nullptr);
}

INSTANTIATE_TEST_SUITE_P(Tokens, CatalogueTest, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::test
