// API contract of the provider lifecycle and properties (src/abi/lifecycle.cpp):
// SslOpenProvider, SslFreeObject, the reference counts, SslFreeBuffer,
// SslChangeNotify, SslEnumProtocolProviders, SslGetProviderProperty and
// SslGetKeyProperty. Expected statuses: reference §2.A, §2.B, §5.2, §5.3.
#include <gtest/gtest.h>

#include <algorithm>

#include <cstdlib>
#include <string>

#include "api/api_support.h"

namespace sslp11::test {
namespace {

// Opens a provider on the token the current SSLP11_CONF names.
SECURITY_STATUS open_provider(Handle& h, LPCWSTR name = nullptr, DWORD flags = 0) {
  return SslOpenProvider(h.out(), name, flags);
}

class LifecycleTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  const TokenSpec& token() const { return GetParam(); }
};

// ---- SslOpenProvider ----

TEST_P(LifecycleTest, OpenProviderAnswersToNullTheSchannelNameAndItsOwnName) {
  use_token(token());
  for (LPCWSTR name : {static_cast<LPCWSTR>(nullptr), MS_SCHANNEL_PROVIDER, SSLP11_PROVIDER_NAME}) {
    SCOPED_TRACE(name == nullptr ? std::string("NULL") : ascii(name));
    Handle p;
    ASSERT_OK(open_provider(p, name));
    EXPECT_NE(p.get(), 0u);
    EXPECT_OK(SslFreeObject(p.release(), 0));
  }
}

TEST_P(LifecycleTest, OpenProviderWithAnUnknownNameIsStatusNotFound) {
  use_token(token());
  Handle p;
  // §2.A [OBS/INF]: BCryptResolveProviders' STATUS_NOT_FOUND is returned as is.
  EXPECT_STATUS(STATUS_NOT_FOUND, open_provider(p, u"Microsoft Software Key Storage Provider"));
  EXPECT_STATUS(STATUS_NOT_FOUND, open_provider(p, u""));
  EXPECT_EQ(p.get(), 0u);
}

TEST_P(LifecycleTest, OpenProviderWithANullOutPointerIsInvalidParameter) {
  use_token(token());
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslOpenProvider(nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslOpenProvider(nullptr, SSLP11_PROVIDER_NAME, 0));
}

TEST_P(LifecycleTest, OpenProviderWithFlagsIsInvalidParameter) {
  use_token(token());
  // §2.A [OBS]: non-zero dwFlags => STATUS_INVALID_PARAMETER, normalised to NTE_INVALID_PARAMETER.
  for (DWORD flags : {0x1u, 0x40u /* NCRYPT_SILENT_FLAG */, 0x80000000u}) {
    SCOPED_TRACE(flags);
    Handle p;
    EXPECT_STATUS(NTE_INVALID_PARAMETER, open_provider(p, nullptr, flags));
    EXPECT_EQ(p.get(), 0u);
  }
}

TEST_P(LifecycleTest, NativeOnlyDerivationOpensOnlyOnATokenWithTheTls12Mechanisms) {
  use_token(token(), "derivation = native-only", "native-only");
  Handle p;
  const SECURITY_STATUS status = open_provider(p);
  if (token().expected_path == "native") {
    ASSERT_OK(status);
    EXPECT_EQ(provider_property(p.get(), SSLP11_DERIVATION_PATH_PROPERTY).text(), "native");
  } else {
    EXPECT_STATUS(NTE_NOT_SUPPORTED, status);
    EXPECT_NE(last_error().find("CKM_TLS12_"), std::string::npos)
        << "the explanation should name the missing mechanism: " << last_error();
    EXPECT_EQ(p.get(), 0u);
  }
}

// PINs exist only on tokens that require a login (SoftHSM here): this suite
// is instantiated for those tokens only.
class LoginTokenLifecycleTest : public LifecycleTest {};


TEST_P(LoginTokenLifecycleTest, WrongPinIsIncorrectPasswordAndTheMessageHoldsNoPin) {
  // A config file of its own: a provider open on the same file would share
  // its (logged-in) token context instead of trying the PIN.
  const std::string config = write_provider_config(token(), "", "wrong-pin");
  // write_provider_config points `pin = env:` at this variable (and sets it
  // to the right PIN); put a wrong one there for the open.
  const std::string pin_variable = "SSLP11_TEST_PIN_" + token().name;
  const std::string wrong_pin = "wrong-pin-9731";
  ASSERT_NE(wrong_pin, token().user_pin);
  ScopedEnv pin(pin_variable.c_str(), wrong_pin);
  ScopedEnv conf("SSLP11_CONF", config);
  Handle p;
  EXPECT_STATUS(NTE_INCORRECT_PASSWORD, open_provider(p));
  EXPECT_EQ(p.get(), 0u);
  EXPECT_EQ(last_error().find(wrong_pin), std::string::npos) << "the wrong PIN leaked into: " << last_error();
  EXPECT_EQ(last_error().find(token().user_pin), std::string::npos) << "the user PIN leaked into: " << last_error();
}

TEST_P(LifecycleTest, TwoOpensAreIndependentHandles) {
  use_token(token());
  Handle a, b;
  ASSERT_OK(open_provider(a));
  ASSERT_OK(open_provider(b));
  EXPECT_NE(a.get(), b.get());
  const NCRYPT_HANDLE freed = a.free_keep_value();
  EXPECT_OK(provider_property(b.get(), SSLP11_DERIVATION_PATH_PROPERTY).status);
  EXPECT_STATUS(NTE_INVALID_HANDLE, provider_property(freed, SSLP11_DERIVATION_PATH_PROPERTY).status);
}

// ---- SslFreeObject and the reference counts ----

TEST_P(LifecycleTest, AFreedProviderIsAnInvalidHandle) {
  use_token(token());
  Handle p;
  ASSERT_OK(open_provider(p));
  const NCRYPT_PROV_HANDLE freed = p.free_keep_value();
  EXPECT_STATUS(NTE_INVALID_HANDLE, provider_property(freed, SSLP11_TOKEN_LABEL_PROPERTY).status);
  NCRYPT_SSL_CIPHER_SUITE* suite = nullptr;
  PVOID state = nullptr;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslEnumCipherSuites(freed, 0, &suite, &state, 0));
  Handle key;
  EXPECT_STATUS(
      NTE_INVALID_HANDLE,
      SslCreateEphemeralKey(freed, key.out(), kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 23, 256, nullptr, 0, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslFreeObject(freed, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslIncrementProviderReferenceCount(freed));
}

TEST_P(LifecycleTest, KeysOutliveTheProviderHandleThatMadeThem) {
  // §2.A [OBS]: freeing the provider handle drops a reference; what goes away
  // last is the provider behind the keys made from it.
  use_token(token());
  Handle p;
  ASSERT_OK(open_provider(p));
  EcdheKeys k = make_ecdhe(p.get(), TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  Randoms r;
  Handle master = make_master(p.get(), k, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, r);
  p.free_keep_value();
  EXPECT_EQ(key_property(k.own.get(), SSL_KEY_TYPE_PROPERTY).dword(), 23u);
  EXPECT_EQ(key_property(master.get(), SSLP11_DERIVATION_PATH_PROPERTY).text(), token().expected_path);
  EXPECT_OK(SslFreeObject(master.release(), 0));
  EXPECT_OK(SslFreeObject(k.own.release(), 0));
}

TEST_P(LifecycleTest, AnExtraReferenceKeepsTheProviderAliveUntilDecremented) {
  use_token(token());
  Handle p;
  ASSERT_OK(open_provider(p));
  ASSERT_OK(SslIncrementProviderReferenceCount(p.get()));
  const NCRYPT_PROV_HANDLE h = p.release();
  EXPECT_OK(SslFreeObject(h, 0));  // drops the opener's reference
  EXPECT_OK(provider_property(h, SSLP11_DERIVATION_PATH_PROPERTY).status) << "released with a reference left";
  EXPECT_OK(SslDecrementProviderReferenceCount(h));  // the last one
  EXPECT_STATUS(NTE_INVALID_HANDLE, provider_property(h, SSLP11_DERIVATION_PATH_PROPERTY).status);
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslFreeObject(h, 0));
}

TEST_P(LifecycleTest, ReferenceCountsOnBadHandles) {
  use_token(token());
  Handle p, key;
  ASSERT_OK(open_provider(p));
  ASSERT_OK(
      SslCreateEphemeralKey(p.get(), key.out(), kTls12, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 23, 256, nullptr, 0, 0));
  Handle freed_provider;
  ASSERT_OK(open_provider(freed_provider));
  const NCRYPT_HANDLE freed = freed_provider.free_keep_value();
  for (NCRYPT_HANDLE bad : {NCRYPT_HANDLE{0}, kForgedHandle, freed, key.get()}) {
    SCOPED_TRACE(bad);
    // §2.A [DOC]: increment documents NTE_INVALID_HANDLE, decrement STATUS_INVALID_HANDLE.
    EXPECT_STATUS(NTE_INVALID_HANDLE, SslIncrementProviderReferenceCount(bad));
    EXPECT_STATUS(STATUS_INVALID_HANDLE, SslDecrementProviderReferenceCount(bad));
  }
  EXPECT_OK(key_property(key.get(), NCRYPT_LENGTH_PROPERTY).status) << "the key must survive a bad decrement";
}

TEST_P(LifecycleTest, FreeObjectRejectsBadHandlesAndFlags) {
  use_token(token());
  Handle p;
  ASSERT_OK(open_provider(p));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslFreeObject(0, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslFreeObject(kForgedHandle, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslFreeObject(p.get() + 1, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslFreeObject(p.get(), 1));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslFreeObject(p.get(), NCRYPT_SSL_SERVER_FLAG));
  EXPECT_OK(provider_property(p.get(), SSLP11_DERIVATION_PATH_PROPERTY).status) << "freed despite NTE_BAD_FLAGS";
}

// ---- SslFreeBuffer, SslChangeNotify, SslEnumProtocolProviders (no token) ----

TEST(FreeBuffer, RejectsNullAndForeignPointersWithoutCrashing) {
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslFreeBuffer(nullptr));
  int on_stack[4] = {};
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslFreeBuffer(on_stack));
  void* from_malloc = std::malloc(64);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslFreeBuffer(from_malloc));
  std::free(from_malloc);  // still ours: sslp11 must not have freed it
}

TEST(FreeBuffer, ABufferIsFreedOnceAndThenRejected) {
  DWORD count = 0;
  NCryptProviderName* list = nullptr;
  ASSERT_OK(SslEnumProtocolProviders(&count, &list, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslFreeBuffer(reinterpret_cast<BYTE*>(list) + 8)) << "an interior pointer";
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslFreeBuffer(list[0].pszName)) << "a string inside the block";
  EXPECT_OK(SslFreeBuffer(list));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslFreeBuffer(list));
}

TEST(ChangeNotify, IsNotSupported) {
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslChangeNotify(nullptr, 0));
  int event = 0;
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslChangeNotify(&event, 1));
}

TEST(EnumProtocolProviders, ListsSslp11AsTheOneProviderInOneBuffer) {
  DWORD count = 0;
  NCryptProviderName* list = nullptr;
  ASSERT_OK(SslEnumProtocolProviders(&count, &list, 0));
  ASSERT_EQ(count, 1u);
  ASSERT_NE(list, nullptr);
  ASSERT_NE(list[0].pszName, nullptr);
  EXPECT_EQ(ascii(list[0].pszName, 256), ascii(SSLP11_PROVIDER_NAME));
  EXPECT_NE(list[0].pszComment, nullptr);
  // The strings live in the same block: one SslFreeBuffer releases everything
  // (ASan reports the rest as leaked otherwise).
  EXPECT_OK(SslFreeBuffer(list));
}

TEST(EnumProtocolProviders, RejectsNullPointersAndFlags) {
  DWORD count = 0;
  NCryptProviderName* list = nullptr;
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumProtocolProviders(nullptr, &list, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumProtocolProviders(&count, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslEnumProtocolProviders(nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslEnumProtocolProviders(&count, &list, 1));
  EXPECT_EQ(list, nullptr);
}

// ---- Configuration problems (no token needed) ----

TEST(OpenProvider, AMissingConfigurationFileFailsAndNamesTheFile) {
  const std::string missing = TestTokens::temp_dir() + "/no-such-sslp11.conf";
  ScopedEnv conf("SSLP11_CONF", missing);
  Handle p;
  const SECURITY_STATUS status = open_provider(p);
  EXPECT_NE(status, ERROR_SUCCESS);
  EXPECT_EQ(p.get(), 0u);
  EXPECT_NE(last_error().find(missing), std::string::npos) << "the explanation should name the file: " << last_error();
}

// ---- SslGetProviderProperty ----

TEST_P(LifecycleTest, ProviderPropertiesNameTheDerivationPathAndTheTokenLabel) {
  ProviderHandle p(token());
  const PropertyValue path = provider_property(p.get(), SSLP11_DERIVATION_PATH_PROPERTY);
  ASSERT_OK(path.status);
  EXPECT_EQ(path.text(), token().expected_path);
  EXPECT_EQ(path.reported_size, (token().expected_path.size() + 1) * sizeof(WCHAR));
  const PropertyValue label = provider_property(p.get(), SSLP11_TOKEN_LABEL_PROPERTY);
  ASSERT_OK(label.status);
  EXPECT_EQ(label.text(), token().label);
}

TEST_P(LifecycleTest, ProviderPropertyErrors) {
  ProviderHandle p(token());
  PBYTE out = nullptr;
  DWORD cb = 0;
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslGetProviderProperty(p.get(), u"NoSuchProperty", &out, &cb, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslGetProviderProperty(p.get(), nullptr, &out, &cb, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslGetProviderProperty(p.get(), SSLP11_DERIVATION_PATH_PROPERTY, nullptr, &cb, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslGetProviderProperty(p.get(), SSLP11_DERIVATION_PATH_PROPERTY, &out, nullptr, nullptr, 0));
  EXPECT_STATUS(NTE_BAD_FLAGS, SslGetProviderProperty(p.get(), SSLP11_DERIVATION_PATH_PROPERTY, &out, &cb, nullptr, 1));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslGetProviderProperty(kForgedHandle, SSLP11_DERIVATION_PATH_PROPERTY, &out, &cb, nullptr, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslGetProviderProperty(0, SSLP11_DERIVATION_PATH_PROPERTY, &out, &cb, nullptr, 0));
  EXPECT_EQ(out, nullptr);
}

// ---- SslGetKeyProperty, on every kind of key ----

TEST_P(LifecycleTest, KeyPropertiesOfEphemeralAndPublicEcKeys) {
  ProviderHandle p(token());
  EcdheKeys p256 = make_ecdhe(p.get(), TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECC_P256_CURVE_KEY_TYPE);
  for (NCRYPT_KEY_HANDLE k : {p256.own.get(), p256.peer_public.get()}) {
    EXPECT_EQ(key_property(k, SSL_KEY_TYPE_PROPERTY).dword(), 23u);
    EXPECT_EQ(key_property(k, NCRYPT_LENGTH_PROPERTY).dword(), 256u);
    EXPECT_EQ(key_property(k, NCRYPT_ALGORITHM_PROPERTY).text(), "ECDH");
  }
  EcdheKeys p384 = make_ecdhe(p.get(), TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECC_P384_CURVE_KEY_TYPE);
  EXPECT_EQ(key_property(p384.own.get(), SSL_KEY_TYPE_PROPERTY).dword(), 24u);
  EXPECT_EQ(key_property(p384.own.get(), NCRYPT_LENGTH_PROPERTY).dword(), 384u);
  EXPECT_EQ(key_property(p384.peer_public.get(), SSL_KEY_TYPE_PROPERTY).dword(), 24u);
}

TEST_P(LifecycleTest, KeyPropertiesOfADhEphemeralKey) {
  ProviderHandle p(token());
  auto params = ffdhe2048_parameters();
  Handle dh;
  ASSERT_OK(SslCreateEphemeralKey(p.get(), dh.out(), kTls12, TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 0, 2048,
                                  params.data(), static_cast<DWORD>(params.size()), 0));
  EXPECT_EQ(key_property(dh.get(), SSL_KEY_TYPE_PROPERTY).dword(), 0u);
  EXPECT_EQ(key_property(dh.get(), NCRYPT_LENGTH_PROPERTY).dword(), 2048u);
  EXPECT_EQ(key_property(dh.get(), NCRYPT_ALGORITHM_PROPERTY).text(), "DH");
}

TEST_P(LifecycleTest, KeyPropertiesOfRsaPublicAndPrivateKeys) {
  ProviderHandle p(token());
  TokenRsaKey rsa(token());
  Handle pub = import_rsa_public(p.get(), rsa);
  // The peer's RSA public key exports as the BCRYPT_RSAPUBLIC_BLOB it came in.
  const auto blob = rsa.public_blob();
  DWORD size = 0;
  ASSERT_OK(SslExportKey(p.get(), pub.get(), BCRYPT_RSAPUBLIC_BLOB, nullptr, 0, &size, 0));
  ASSERT_EQ(size, blob.size());
  std::vector<BYTE> exported(size);
  ASSERT_OK(SslExportKey(p.get(), pub.get(), BCRYPT_RSAPUBLIC_BLOB, exported.data(), size, &size, 0));
  EXPECT_TRUE(std::equal(exported.begin(), exported.end(), blob.begin(), blob.end()));
  EXPECT_EQ(key_property(pub.get(), NCRYPT_ALGORITHM_PROPERTY).text(), "RSA");
  EXPECT_EQ(key_property(pub.get(), NCRYPT_LENGTH_PROPERTY).dword(), 2048u);
  Handle priv;
  ASSERT_OK(SslOpenPrivateKey(p.get(), priv.out(), rsa.cert_context(), 0));
  EXPECT_EQ(key_property(priv.get(), NCRYPT_ALGORITHM_PROPERTY).text(), "RSA");
  EXPECT_EQ(key_property(priv.get(), NCRYPT_LENGTH_PROPERTY).dword(), 2048u);
}

TEST_P(LifecycleTest, KeyPropertiesOfMasterAndSessionKeysNameTheDerivationPath) {
  ProviderHandle p(token());
  Randoms r;
  EcdheKeys k = make_ecdhe(p.get(), TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  Handle master = make_master(p.get(), k, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, r);
  ASSERT_NE(master.get(), 0u);
  EXPECT_EQ(key_property(master.get(), SSLP11_DERIVATION_PATH_PROPERTY).text(), token().expected_path);
  EXPECT_EQ(key_property(master.get(), NCRYPT_LENGTH_PROPERTY).dword(), 384u);  // 48-byte master secret

  Handle read, write;
  ParamList params = r.list();
  ASSERT_OK(SslGenerateSessionKeys(p.get(), master.get(), read.out(), write.out(), params.desc(), 0));
  for (NCRYPT_KEY_HANDLE k2 : {read.get(), write.get()}) {
    EXPECT_EQ(key_property(k2, SSLP11_DERIVATION_PATH_PROPERTY).text(), token().expected_path);
    EXPECT_EQ(key_property(k2, NCRYPT_ALGORITHM_PROPERTY).text(), "AES");
    EXPECT_EQ(key_property(k2, NCRYPT_LENGTH_PROPERTY).dword(), 128u);
  }
}

TEST_P(LifecycleTest, KeyPropertyErrors) {
  ProviderHandle p(token());
  EcdheKeys k = make_ecdhe(p.get(), TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  PBYTE out = nullptr;
  DWORD cb = 0;
  // §2.B: SslGetKeyProperty takes a key, never the provider (the Learn text is wrong).
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslGetKeyProperty(p.get(), NCRYPT_LENGTH_PROPERTY, &out, &cb, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslGetKeyProperty(0, NCRYPT_LENGTH_PROPERTY, &out, &cb, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslGetKeyProperty(kForgedHandle, NCRYPT_LENGTH_PROPERTY, &out, &cb, 0));
  const NCRYPT_HANDLE freed = k.peer_ephemeral.free_keep_value();
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslGetKeyProperty(freed, NCRYPT_LENGTH_PROPERTY, &out, &cb, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslGetKeyProperty(k.own.get(), nullptr, &out, &cb, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslGetKeyProperty(k.own.get(), NCRYPT_LENGTH_PROPERTY, nullptr, &cb, 0));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslGetKeyProperty(k.own.get(), NCRYPT_LENGTH_PROPERTY, &out, nullptr, 0));
  EXPECT_STATUS(NTE_NOT_SUPPORTED, SslGetKeyProperty(k.own.get(), u"NoSuchProperty", &out, &cb, 0));
  EXPECT_EQ(out, nullptr);
}

INSTANTIATE_TEST_SUITE_P(Tokens, LifecycleTest, ::testing::ValuesIn(TestTokens::all()), TokenName{});
INSTANTIATE_TEST_SUITE_P(Tokens, LoginTokenLifecycleTest, ::testing::ValuesIn(TestTokens::where(TestTokens::needs_login)), TokenName{});

}  // namespace
}  // namespace sslp11::test
