// The Sslp11* extension API (include/sslp11/sslp11.h, src/abi/extensions_*.cpp)
// on both test tokens: each function's success path and its refusals (bad
// handle, NULL or short buffer, bad PEM, wrong flags), the last-error text
// after a refused Ssl* call, and the attributes Sslp11DescribeKey reports
// for the secrets of a handshake.
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <sslp11/sslprovider.hpp>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "api/api_support.h"

namespace sslp11::test {
namespace {

using Pem = std::vector<BYTE>;

Pem pem_of_key(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  Pem out(data, data + n);
  BIO_free(bio);
  return out;
}

Pem self_signed_pem(EVP_PKEY* key) {
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("sslp11 test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  Pem out(data, data + n);
  BIO_free(bio);
  X509_free(cert);
  return out;
}

struct KeyAndCertificate {
  Pem key, certificate;
};

KeyAndCertificate ec_key_and_certificate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  KeyAndCertificate k{pem_of_key(key), self_signed_pem(key)};
  EVP_PKEY_free(key);
  return k;
}

// An RSA key whose modulus is not p*q (n + 2), and a certificate for it.
KeyAndCertificate inconsistent_rsa() {
  EVP_PKEY* good = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  const char* names[] = {OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
                         OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
                         OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::vector<BIGNUM*> bns;
  for (const char* name : names) {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(good, name, &bn);
    if (name == names[0]) BN_add_word(bn, 2);
    OSSL_PARAM_BLD_push_BN(bld, name, bn);
    bns.push_back(bn);
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* bad = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &bad, EVP_PKEY_KEYPAIR, params);
  KeyAndCertificate k{pem_of_key(bad), self_signed_pem(good)};
  EVP_PKEY_free(bad);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  for (BIGNUM* bn : bns) BN_free(bn);
  EVP_PKEY_free(good);
  return k;
}

SECURITY_STATUS import(NCRYPT_PROV_HANDLE p, const Pem& key, const Pem& cert, BYTE* id, DWORD flags = 0) {
  return Sslp11ImportPemKey(p, key.data(), static_cast<DWORD>(key.size()), cert.data(),
                            static_cast<DWORD>(cert.size()), nullptr, id, flags);
}

class ExtensionApiTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  const TokenSpec& token() const { return GetParam(); }
};

TEST(ExtensionApi, VersionMatchesTheHeader) { EXPECT_EQ(Sslp11GetExtensionVersion(), DWORD{SSLP11_EXTENSION_VERSION}); }

TEST(ExtensionApi, StatusNamesComeFromTheProvider) {
  EXPECT_STREQ(Sslp11GetStatusName(NTE_BAD_DATA), "NTE_BAD_DATA");
  EXPECT_STREQ(Sslp11GetStatusName(0x12345678), "");
  EXPECT_EQ(sslp11::status_text(NTE_BAD_FLAGS), "0x80090009 NTE_BAD_FLAGS");
}

TEST(ExtensionApi, LastErrorTextFollowsTheTwoCallConvention) {
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslOpenProvider(nullptr, nullptr, 0));
  DWORD size = 0;
  ASSERT_OK(Sslp11GetLastErrorText(nullptr, 0, &size, 0));
  ASSERT_GT(size, 1u);
  std::string small(size - 1, '\0');
  DWORD again = 0;
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, Sslp11GetLastErrorText(small.data(), size - 1, &again, 0));
  EXPECT_EQ(again, size);
  std::string text(size, '\0');
  ASSERT_OK(Sslp11GetLastErrorText(text.data(), size, &again, 0));  // the short call did not replace the text
  EXPECT_NE(text.find("phSslProvider"), std::string::npos) << text;
  EXPECT_EQ(text.size(), size);
  EXPECT_EQ(text.back(), '\0');
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11GetLastErrorText(nullptr, 0, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11GetLastErrorText(nullptr, 0, &size, 1));
  EXPECT_NE(sslp11::last_error_text().find("phSslProvider"), std::string::npos);
}

// The text belongs to the thread whose call failed: another thread's failure
// neither shows there nor replaces it.
TEST(ExtensionApi, LastErrorTextIsPerThread) {
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslOpenProvider(nullptr, nullptr, 0));
  std::string other_before, other_after;
  std::thread other([&] {
    other_before = sslp11::last_error_text();
    SslFreeObject(0x5eed5eed, 0);  // NTE_INVALID_HANDLE, on that thread
    other_after = sslp11::last_error_text();
  });
  other.join();
  EXPECT_EQ(other_before, "") << "a new thread has no failure yet";
  EXPECT_EQ(other_after.find("phSslProvider"), std::string::npos) << other_after;
  EXPECT_NE(other_after, "");
  EXPECT_NE(sslp11::last_error_text().find("phSslProvider"), std::string::npos) << sslp11::last_error_text();
}

TEST_P(ExtensionApiTest, DescribeKeyReportsSensitiveNonExtractableSecrets) {
  ProviderHandle p(token());
  ASSERT_NE(p.get(), 0u);
  Randoms r;
  EcdheKeys keys = make_ecdhe(p.get(), TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
  Handle master = make_master(p.get(), keys, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, r);
  ASSERT_NE(master.get(), 0u);
  DWORD count = 0;
  ASSERT_OK(Sslp11DescribeKey(master.get(), nullptr, 0, &count, 0));
  ASSERT_EQ(count, 1u);
  std::array<SSLP11_KEY_OBJECT_INFO, 2> info{};
  ASSERT_OK(Sslp11DescribeKey(master.get(), info.data(), static_cast<DWORD>(info.size()), &count, 0));
  EXPECT_EQ(info[0].dwRole, DWORD{SSLP11_OBJECT_ROLE_SECRET});
  EXPECT_EQ(info[0].dwClass, DWORD{CKO_SECRET_KEY});
  EXPECT_EQ(info[0].cbValue, 48u);
  EXPECT_EQ(info[0].lSensitive, 1);
  EXPECT_EQ(info[0].lExtractable, 0);
  EXPECT_EQ(info[0].lToken, 0);
  ASSERT_OK(Sslp11DescribeKey(keys.own.get(), info.data(), static_cast<DWORD>(info.size()), &count, 0));
  ASSERT_EQ(count, 1u);
  EXPECT_EQ(info[0].dwRole, DWORD{SSLP11_OBJECT_ROLE_PRIVATE_KEY});
  EXPECT_EQ(info[0].dwKeyType, DWORD{CKK_EC});
  EXPECT_EQ(info[0].lSensitive, 1);

  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, Sslp11DescribeKey(master.get(), info.data(), 0, &count, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11DescribeKey(master.get(), info.data(), 2, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11DescribeKey(master.get(), info.data(), 2, &count, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE, Sslp11DescribeKey(kForgedHandle, info.data(), 2, &count, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, Sslp11DescribeKey(p.get(), info.data(), 2, &count, 0));  // not a key
}

TEST_P(ExtensionApiTest, ImportedPemKeyOpensByItsCertificateAndDeletes) {
  ProviderHandle p(token());
  ASSERT_NE(p.get(), 0u);
  const KeyAndCertificate k = ec_key_and_certificate();
  DWORD before = 0, after = 0;
  ASSERT_OK(Sslp11CountTokenObjects(p.get(), &before, 0));
  std::array<BYTE, SSLP11_IMPORTED_KEY_ID_LENGTH> id{};
  ASSERT_OK(import(p.get(), k.key, k.certificate, id.data()));
  ASSERT_OK(Sslp11CountTokenObjects(p.get(), &after, 0));
  EXPECT_EQ(after, before + 3);

  // SslOpenPrivateKey finds it by the certificate's DER.
  BIO* bio = BIO_new_mem_buf(k.certificate.data(), static_cast<int>(k.certificate.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  unsigned char* der = nullptr;
  const int n = i2d_X509(x, &der);
  CERT_CONTEXT context{X509_ASN_ENCODING, der, static_cast<DWORD>(n), nullptr, nullptr};
  Handle key;
  EXPECT_OK(SslOpenPrivateKey(p.get(), key.out(), &context, 0));
  OPENSSL_free(der);
  X509_free(x);
  BIO_free(bio);
  DWORD count = 0;
  SSLP11_KEY_OBJECT_INFO info{};
  ASSERT_OK(Sslp11DescribeKey(key.get(), &info, 1, &count, 0));
  EXPECT_EQ(info.dwClass, DWORD{CKO_PRIVATE_KEY});
  EXPECT_EQ(info.lSensitive, 1);
  EXPECT_EQ(info.lExtractable, 0);
  key.reset();

  ASSERT_OK(Sslp11DeleteImportedKey(p.get(), id.data(), static_cast<DWORD>(id.size()), 0));
  ASSERT_OK(Sslp11CountTokenObjects(p.get(), &after, 0));
  EXPECT_EQ(after, before);
  EXPECT_STATUS(NTE_NOT_FOUND, Sslp11DeleteImportedKey(p.get(), id.data(), static_cast<DWORD>(id.size()), 0));
}

TEST_P(ExtensionApiTest, ImportRefusesBadInput) {
  ProviderHandle p(token());
  ASSERT_NE(p.get(), 0u);
  const KeyAndCertificate k = ec_key_and_certificate();
  const Pem garbage{'-', '-', 'n', 'o', 't', ' ', 'P', 'E', 'M'};
  EXPECT_STATUS(NTE_BAD_DATA, import(p.get(), garbage, k.certificate, nullptr));
  EXPECT_STATUS(NTE_BAD_DATA, import(p.get(), k.key, garbage, nullptr));
  const KeyAndCertificate other = ec_key_and_certificate();
  EXPECT_STATUS(NTE_BAD_DATA, import(p.get(), k.key, other.certificate, nullptr));  // certificate for another key
  const KeyAndCertificate bad_rsa = inconsistent_rsa();
  EXPECT_STATUS(NTE_BAD_DATA, import(p.get(), bad_rsa.key, bad_rsa.certificate, nullptr));
  EXPECT_NE(last_error().find("p*q"), std::string::npos) << last_error();
  EXPECT_STATUS(NTE_BAD_FLAGS, import(p.get(), k.key, k.certificate, nullptr, 0x10));
  EXPECT_STATUS(NTE_INVALID_HANDLE, import(kForgedHandle, k.key, k.certificate, nullptr));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                Sslp11ImportPemKey(p.get(), nullptr, 0, k.certificate.data(),
                                   static_cast<DWORD>(k.certificate.size()), nullptr, nullptr, 0));
  const BYTE id[1] = {0};
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11DeleteImportedKey(p.get(), nullptr, 0, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11DeleteImportedKey(p.get(), id, 1, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE, Sslp11DeleteImportedKey(kForgedHandle, id, 1, 0));
}

TEST_P(ExtensionApiTest, CountsValidateTheirArguments) {
  ProviderHandle p(token());
  ASSERT_NE(p.get(), 0u);
  DWORD n = 0;
  EXPECT_OK(Sslp11CountLiveHandles(&n, 0));
  EXPECT_GE(n, 1u);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11CountLiveHandles(nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11CountLiveHandles(&n, 1));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11CountTokenObjects(p.get(), nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11CountTokenObjects(p.get(), &n, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE, Sslp11CountTokenObjects(kForgedHandle, &n, 0));
}

INSTANTIATE_TEST_SUITE_P(Tokens, ExtensionApiTest, ::testing::ValuesIn(TestTokens::all()), TokenName{});


// --- version 2: the operator calls (src/abi/extensions_admin.cpp) ---

class OperatorApiTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  const TokenSpec& token() const { return GetParam(); }
  // The test token as SSLP11_TOKEN_SPEC; the strings live in this fixture.
  SSLP11_TOKEN_SPEC spec(const std::string& pin) {
    pin_ = pin;
    SSLP11_TOKEN_SPEC s{};
    s.dwVersion = SSLP11_TOKEN_SPEC_VERSION;
    s.pszName = "test";
    s.pszModule = token().module_path.c_str();
    s.pszInitArgs = token().init_args.c_str();
    s.pszTokenLabel = token().label.c_str();
    s.pszTokenSerial = token().serial.c_str();
    s.pbPin = pin_.empty() ? nullptr : reinterpret_cast<const BYTE*>(pin_.data());
    s.cbPin = static_cast<DWORD>(pin_.size());
    return s;
  }
  static std::string report(NCRYPT_PROV_HANDLE p, DWORD kind) {
    DWORD size = 0;
    EXPECT_OK(Sslp11GetTokenReport(p, kind, nullptr, 0, &size, 0));
    std::string text(size, '\0');
    EXPECT_OK(Sslp11GetTokenReport(p, kind, text.data(), size, &size, 0));
    text.resize(size == 0 ? 0 : size - 1);
    return text;
  }

 private:
  std::string pin_;
};

TEST(OperatorApi, LooksUpSuitesByName) {
  DWORD id = 0;
  EXPECT_OK(Sslp11LookupCipherSuiteByName("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", &id, 0));
  EXPECT_EQ(id, 0xC02Fu);
  EXPECT_STATUS(NTE_NOT_FOUND, Sslp11LookupCipherSuiteByName("TLS_NO_SUCH_SUITE", &id, 0));
  EXPECT_EQ(id, 0u);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11LookupCipherSuiteByName(nullptr, &id, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11LookupCipherSuiteByName("TLS_RSA_WITH_AES_128_GCM_SHA256", nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11LookupCipherSuiteByName("TLS_RSA_WITH_AES_128_GCM_SHA256", &id, 1));
}

TEST(OperatorApi, NamesSuitesById) {
  const std::string expected = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
  DWORD size = 0;
  EXPECT_OK(Sslp11GetCipherSuiteName(0xC02F, nullptr, 0, &size, 0));
  EXPECT_EQ(size, expected.size() + 1);
  std::string name(size, 'x');
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, Sslp11GetCipherSuiteName(0xC02F, name.data(), size - 1, &size, 0));
  EXPECT_OK(Sslp11GetCipherSuiteName(0xC02F, name.data(), size, &size, 0));
  EXPECT_EQ(std::string(name.c_str()), expected);
  // Both directions agree.
  DWORD id = 0;
  EXPECT_OK(Sslp11LookupCipherSuiteByName(name.c_str(), &id, 0));
  EXPECT_EQ(id, 0xC02Fu);
  EXPECT_STATUS(NTE_NOT_FOUND, Sslp11GetCipherSuiteName(0xFFFF, nullptr, 0, &size, 0));
  EXPECT_EQ(size, 0u);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11GetCipherSuiteName(0xC02F, nullptr, 0, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11GetCipherSuiteName(0xC02F, nullptr, 0, &size, 1));
}

TEST(OperatorApi, KnowsTheTls13SuitesByNameAndId) {
  const std::pair<const char*, DWORD> tls13[] = {{"TLS_AES_128_GCM_SHA256", TLS_AES_128_GCM_SHA256},
                                                  {"TLS_AES_256_GCM_SHA384", TLS_AES_256_GCM_SHA384},
                                                  {"TLS_CHACHA20_POLY1305_SHA256", TLS_CHACHA20_POLY1305_SHA256}};
  for (const auto& [name, expected] : tls13) {
    SCOPED_TRACE(name);
    DWORD id = 0;
    EXPECT_OK(Sslp11LookupCipherSuiteByName(name, &id, 0));
    EXPECT_EQ(id, expected);
    char back[64] = {};
    DWORD size = 0;
    EXPECT_OK(Sslp11GetCipherSuiteName(expected, back, sizeof back, &size, 0));
    EXPECT_EQ(std::string(back), name);
  }
}

TEST_P(OperatorApiTest, CountsThePkcs11CallsOfThisThread) {
  ProviderHandle p(token());
  ASSERT_NE(p.get(), 0u);
  ULONGLONG before = 0, after = 0;
  EXPECT_OK(Sslp11CountPkcs11Calls(&before, 0));
  DWORD objects = 0;
  EXPECT_OK(Sslp11CountTokenObjects(p.get(), &objects, 0));
  EXPECT_OK(Sslp11CountPkcs11Calls(&after, 0));
  EXPECT_GT(after, before) << "finding the objects calls the token";
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11CountPkcs11Calls(nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11CountPkcs11Calls(&after, 1));
}

TEST_P(OperatorApiTest, OpensTheTokenItIsGivenAndReportsOnIt) {
  SSLP11_TOKEN_SPEC s = spec(token().user_pin);
  SslHandle p;
  ASSERT_OK(Sslp11OpenProviderForToken(p.out(), &s, 0));
  ASSERT_NE(p.get(), 0u);
  const std::string evidence = report(p.get(), SSLP11_REPORT_DERIVATION_EVIDENCE);
  EXPECT_FALSE(evidence.empty());
  const std::string suites = report(p.get(), SSLP11_REPORT_CIPHER_SUITES);
  std::size_t lines = 0, offered = 0;
  for (std::size_t at = 0; at < suites.size();) {
    const std::size_t end = suites.find('\n', at);
    ASSERT_NE(end, std::string::npos) << "every line ends in a newline";
    const std::string line = suites.substr(at, end - at);
    const std::size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    EXPECT_EQ(line.rfind("TLS_", 0), 0u) << line;
    ++lines;
    if (tab + 1 == line.size()) ++offered;
    at = end + 1;
  }
  EXPECT_GE(lines, 27u) << "one line per suite sslp11 knows";
  EXPECT_GT(offered, 0u) << suites;
  // The handle works with the Ssl* calls.
  NCRYPT_SSL_CIPHER_SUITE info{};
  EXPECT_OK(SslLookupCipherSuiteInfo(p.get(), TLS1_2_PROTOCOL_VERSION, 0xC02F, 0, &info, 0));

  DWORD size = 0;
  EXPECT_STATUS(NTE_BUFFER_TOO_SMALL, Sslp11GetTokenReport(p.get(), SSLP11_REPORT_CIPHER_SUITES,
                                                           std::array<char, 4>{}.data(), 4, &size, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11GetTokenReport(p.get(), 99, nullptr, 0, &size, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11GetTokenReport(p.get(), SSLP11_REPORT_CIPHER_SUITES, nullptr, 0,
                                                            nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11GetTokenReport(p.get(), SSLP11_REPORT_CIPHER_SUITES, nullptr, 0, &size, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                Sslp11GetTokenReport(kForgedHandle, SSLP11_REPORT_CIPHER_SUITES, nullptr, 0, &size, 0));
}

TEST_P(OperatorApiTest, SelfTestPassesOnTheTokensDerivationPath) {
  SSLP11_TOKEN_SPEC s = spec(token().user_pin);
  SslHandle p;
  ASSERT_OK(Sslp11OpenProviderForToken(p.out(), &s, 0));
  SSLP11_SELF_TEST_RESULT result{};
  ASSERT_OK(Sslp11RunSelfTest(p.get(), &result, 0));
  EXPECT_EQ(result.dwOutcome, DWORD{SSLP11_SELF_TEST_PASSED}) << result.szFailure << "\n" << result.szSteps;
  EXPECT_NE(result.dwCipherSuite, 0u);
  EXPECT_NE(std::string(result.szSteps).find("master secret: 48 bytes agree"), std::string::npos) << result.szSteps;
  EXPECT_NE(std::string(result.szSteps).find("path exercised: " + token().expected_path), std::string::npos)
      << result.szSteps;
  EXPECT_STREQ(result.szFailure, "");
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11RunSelfTest(p.get(), nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11RunSelfTest(p.get(), &result, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE, Sslp11RunSelfTest(kForgedHandle, &result, 0));
}

TEST_P(OperatorApiTest, OpenRefusesABadSpec) {
  SslHandle p;
  SSLP11_TOKEN_SPEC s = spec(token().user_pin);
  s.dwVersion = 0;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11OpenProviderForToken(p.out(), &s, 0));
  EXPECT_EQ(p.get(), 0u);
  s = spec(token().user_pin);
  s.pszModule = nullptr;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11OpenProviderForToken(p.out(), &s, 0));
  s = spec(token().user_pin);
  s.pszCipherSuites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_NO_SUCH_SUITE";
  EXPECT_STATUS(NTE_NOT_SUPPORTED, Sslp11OpenProviderForToken(p.out(), &s, 0));
  EXPECT_NE(last_error_text().find("TLS_NO_SUCH_SUITE"), std::string::npos) << last_error_text();
  s = spec(token().user_pin);
  s.pszTokenLabel = "no-such-token";
  s.pszTokenSerial = nullptr;
  EXPECT_STATUS(NTE_DEVICE_NOT_FOUND, Sslp11OpenProviderForToken(p.out(), &s, 0));
  s = spec(token().user_pin);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11OpenProviderForToken(nullptr, &s, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, Sslp11OpenProviderForToken(p.out(), nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, Sslp11OpenProviderForToken(p.out(), &s, 1));
  EXPECT_EQ(p.get(), 0u);
}

TEST_P(OperatorApiTest, ConfiguredSuitesNarrowTheReport) {
  SSLP11_TOKEN_SPEC s = spec(token().user_pin);
  s.pszCipherSuites = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
  SslHandle p;
  ASSERT_OK(Sslp11OpenProviderForToken(p.out(), &s, 0));
  const std::string suites = report(p.get(), SSLP11_REPORT_CIPHER_SUITES);
  EXPECT_NE(suites.find("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\t\n"), std::string::npos) << suites;
  EXPECT_EQ(suites.find("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\t\n"), std::string::npos) << suites;
}

INSTANTIATE_TEST_SUITE_P(Tokens, OperatorApiTest, ::testing::ValuesIn(TestTokens::all()), TokenName{});

class OperatorLoginTest : public OperatorApiTest {};

TEST_P(OperatorLoginTest, AWrongPinIsRefused) {
  SSLP11_TOKEN_SPEC s = spec("wrong-" + token().user_pin);
  SslHandle p;
  EXPECT_STATUS(NTE_INCORRECT_PASSWORD, Sslp11OpenProviderForToken(p.out(), &s, 0));
  EXPECT_EQ(p.get(), 0u);
  EXPECT_EQ(last_error_text().find(token().user_pin), std::string::npos) << "never the PIN";
}

INSTANTIATE_TEST_SUITE_P(Tokens, OperatorLoginTest, ::testing::ValuesIn(TestTokens::where(TestTokens::needs_login)),
                         TokenName{});

}  // namespace
}  // namespace sslp11::test
