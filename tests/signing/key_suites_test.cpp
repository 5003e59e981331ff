// SslEnumCipherSuites / SslEnumCipherSuitesEx with a private key from
// SslOpenPrivateKey list only the suites that key can authenticate: an EC key
// the ECDSA suites, an RSA key the RSA-authenticated ones. What a suite
// authenticates with is read from its IANA name (TLS_ECDHE_ECDSA_WITH_...,
// TLS_ECDHE_RSA_WITH_..., TLS_DHE_RSA_WITH_..., TLS_RSA_WITH_...), not from
// sslp11's catalogue.
#include <set>
#include <string>

#include "signing/support/signing_fixture.h"

namespace sslp11::signingtest {
namespace {

using test::TestTokens;
using test::TokenName;

enum class Auth { rsa, ecdsa, unknown };

Auth auth_from_name(const std::string& name) {
  if (name.rfind("TLS_ECDHE_ECDSA_WITH_", 0) == 0) return Auth::ecdsa;
  for (const char* prefix : {"TLS_ECDHE_RSA_WITH_", "TLS_DHE_RSA_WITH_", "TLS_RSA_WITH_"}) {
    if (name.rfind(prefix, 0) == 0) return Auth::rsa;
  }
  return Auth::unknown;
}

std::string ascii(const WCHAR* s) {
  std::string out;
  for (std::size_t i = 0; i < NCRYPT_SSL_MAX_NAME_SIZE && s[i] != 0; ++i) out.push_back(static_cast<char>(s[i]));
  return out;
}

// The TLS 1.2 suite names one enumeration returns (with hPrivateKey, or 0 for all).
template <class Suite, class Enum>
std::set<std::string> suite_names(NCRYPT_PROV_HANDLE provider, NCRYPT_KEY_HANDLE key, Enum enumerate) {
  std::set<std::string> names;
  PVOID state = nullptr;
  for (;;) {
    Suite* suite = nullptr;
    const SECURITY_STATUS s = enumerate(provider, key, &suite, &state, 0);
    if (s == NTE_NO_MORE_ITEMS) break;
    if (s != ERROR_SUCCESS) {
      ADD_FAILURE() << "enumeration failed: " << status_text(s) << " " << test::last_error();
      break;
    }
    // TLS 1.2 suites only: TLS 1.3 ones name no authentication (tests/tls13_api).
    if (suite->dwProtocol == TLS1_2_PROTOCOL_VERSION) names.insert(ascii(suite->szCipherSuite));
    SslFreeBuffer(suite);
  }
  if (state != nullptr) SslFreeBuffer(state);
  return names;
}

class KeySuites : public SigningTest {
 protected:
  template <class Suite, class Enum>
  void check(Enum enumerate) {
    const auto all = suite_names<Suite>(p(), 0, enumerate);
    const auto with_rsa = suite_names<Suite>(p(), key(KeyKind::rsa2048).handle.get(), enumerate);
    const auto with_ec = suite_names<Suite>(p(), key(KeyKind::p256).handle.get(), enumerate);
    const auto with_p384 = suite_names<Suite>(p(), key(KeyKind::p384).handle.get(), enumerate);
    ASSERT_FALSE(with_rsa.empty()) << "no RSA-authenticated suite on " << spec().name;
    ASSERT_FALSE(with_ec.empty()) << "no ECDSA suite on " << spec().name;
    for (const auto& name : with_rsa) EXPECT_EQ(auth_from_name(name), Auth::rsa) << name << " listed for the RSA key";
    for (const auto& name : with_ec) EXPECT_EQ(auth_from_name(name), Auth::ecdsa) << name << " listed for the EC key";
    EXPECT_EQ(with_p384, with_ec) << "the curve of an ECDSA key does not restrict the suites";
    // Nothing lost: each suite of the unrestricted list is in the list of the
    // key type its name says it authenticates with.
    for (const auto& name : all) {
      const Auth a = auth_from_name(name);
      ASSERT_NE(a, Auth::unknown) << name;
      EXPECT_EQ((a == Auth::rsa ? with_rsa : with_ec).count(name), 1u) << name << " missing from its key's list";
    }
    EXPECT_EQ(with_rsa.size() + with_ec.size(), all.size());
  }
};

TEST_P(KeySuites, EnumCipherSuitesListsOnlyTheKeysAuthentication) {
  check<NCRYPT_SSL_CIPHER_SUITE>(SslEnumCipherSuites);
}

TEST_P(KeySuites, EnumCipherSuitesExListsOnlyTheKeysAuthentication) {
  check<NCRYPT_SSL_CIPHER_SUITE_EX>(SslEnumCipherSuitesEx);
}

TEST_P(KeySuites, PublicKeyHandleIsNotAPrivateKey) {
  const NCRYPT_KEY_HANDLE imported = import_public(key(KeyKind::p256).public_key.get(), &p256());
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  PVOID state = nullptr;
  EXPECT_EQ(status_text(SslEnumCipherSuites(p(), imported, &suite, &state, 0)), status_text(NTE_INVALID_HANDLE));
  if (suite != nullptr) SslFreeBuffer(suite);
  if (state != nullptr) SslFreeBuffer(state);
}

INSTANTIATE_TEST_SUITE_P(Tokens, KeySuites, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::signingtest
