// API contract of SslGenerateSessionKeys (src/abi/session_keys.cpp) when
// called wrongly, and the life of the two handles it returns. Expected
// statuses: reference §2.E, §3.6, §5.3.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "api/api_support.h"

namespace sslp11::test {
namespace {

constexpr DWORD kSuite = TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;

class SessionKeysErrors : public ::testing::TestWithParam<TokenSpec> {
 protected:
  const TokenSpec& token() const { return GetParam(); }
  NCRYPT_PROV_HANDLE p() const { return provider_.get(); }

  SECURITY_STATUS generate(NCRYPT_KEY_HANDLE master, NCryptBufferDesc* params, DWORD flags = 0) {
    read_.reset();
    write_.reset();
    const SECURITY_STATUS s = SslGenerateSessionKeys(p(), master, read_.out(), write_.out(), params, flags);
    if (s != ERROR_SUCCESS) {
      EXPECT_EQ(read_.get(), 0u) << "a failing call returned a read key";
      EXPECT_EQ(write_.get(), 0u) << "a failing call returned a write key";
    }
    return s;
  }

  ProviderHandle provider_{GetParam()};
  Randoms randoms_;
  EcdheKeys keys_ = make_ecdhe(p(), kSuite);
  Handle master_ = make_master(p(), keys_, kSuite, randoms_);
  Handle read_, write_;
};

TEST_P(SessionKeysErrors, FlagsAreBadFlags) {
  ParamList params = randoms_.list();
  ASSERT_OK(generate(master_.get(), params.desc()));
  for (DWORD flags : {DWORD{NCRYPT_SSL_CLIENT_FLAG}, DWORD{NCRYPT_SSL_SERVER_FLAG}, 0x10u}) {
    SCOPED_TRACE(flags);
    EXPECT_STATUS(NTE_BAD_FLAGS, generate(master_.get(), params.desc(), flags));
  }
}

TEST_P(SessionKeysErrors, NullOutPointersAreInvalidParameter) {
  ParamList params = randoms_.list();
  Handle key;
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslGenerateSessionKeys(p(), master_.get(), nullptr, key.out(), params.desc(), 0));
  EXPECT_EQ(key.get(), 0u);
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                SslGenerateSessionKeys(p(), master_.get(), key.out(), nullptr, params.desc(), 0));
  EXPECT_EQ(key.get(), 0u);
  EXPECT_STATUS(NTE_INVALID_PARAMETER, SslGenerateSessionKeys(p(), master_.get(), nullptr, nullptr, params.desc(), 0));
}

TEST_P(SessionKeysErrors, MissingOrShortRandomsAreInvalidParameter) {
  std::array<BYTE, 33> longer{};
  struct Case {
    const char* what;
    ParamList list;
  };
  std::vector<Case> cases;
  cases.push_back({"no CLIENT_RANDOM", ParamList()});
  cases.back().list.add(NCRYPTBUFFER_SSL_SERVER_RANDOM, randoms_.server.data(), 32);
  cases.push_back({"no SERVER_RANDOM", ParamList()});
  cases.back().list.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, randoms_.client.data(), 32);
  cases.push_back({"31-byte CLIENT_RANDOM", ParamList()});
  cases.back()
      .list.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, randoms_.client.data(), 31)
      .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, randoms_.server.data(), 32);
  cases.push_back({"31-byte SERVER_RANDOM", ParamList()});
  cases.back()
      .list.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, randoms_.client.data(), 32)
      .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, randoms_.server.data(), 31);
  cases.push_back({"33-byte SERVER_RANDOM", ParamList()});
  cases.back()
      .list.add(NCRYPTBUFFER_SSL_CLIENT_RANDOM, randoms_.client.data(), 32)
      .add(NCRYPTBUFFER_SSL_SERVER_RANDOM, longer.data(), 33);
  cases.push_back({"an empty list", ParamList()});
  for (auto& c : cases) {
    EXPECT_STATUS(NTE_INVALID_PARAMETER, generate(master_.get(), c.list.desc())) << c.what;
  }
  EXPECT_STATUS(NTE_INVALID_PARAMETER, generate(master_.get(), nullptr)) << "NULL parameter list";
}

TEST_P(SessionKeysErrors, MalformedParameterListsAreInvalidParameter) {
  auto spoiled = [&](auto spoil) {
    ParamList params = randoms_.list();
    NCryptBufferDesc* d = params.desc();
    spoil(*d);
    return generate(master_.get(), d);
  };
  EXPECT_STATUS(NTE_INVALID_PARAMETER, spoiled([](NCryptBufferDesc& d) { d.ulVersion = 1; }));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, spoiled([](NCryptBufferDesc& d) { d.pBuffers = nullptr; }));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, spoiled([](NCryptBufferDesc& d) { d.pBuffers[0].pvBuffer = nullptr; }));
  EXPECT_STATUS(NTE_INVALID_PARAMETER,
                spoiled([](NCryptBufferDesc& d) { d.pBuffers[1].BufferType = d.pBuffers[0].BufferType; }));
  EXPECT_STATUS(NTE_INVALID_PARAMETER, spoiled([](NCryptBufferDesc& d) { d.cBuffers = 0x10000000; }));
}

TEST_P(SessionKeysErrors, AnythingButALiveMasterKeyOfThisProviderIsAnInvalidHandle) {
  ParamList params = randoms_.list();
  ProviderHandle other(token());
  EcdheKeys foreign_keys = make_ecdhe(other.get(), kSuite);
  Handle foreign_master = make_master(other.get(), foreign_keys, kSuite, randoms_);
  EcdheKeys spare = make_ecdhe(p(), kSuite);
  Handle doomed = make_master(p(), spare, kSuite, randoms_);
  const NCRYPT_HANDLE freed_master = doomed.free_keep_value();
  ASSERT_OK(generate(master_.get(), params.desc()));
  Handle a_session_key(read_.release());

  struct Case {
    const char* what;
    NCRYPT_KEY_HANDLE key;
  };
  const Case cases[] = {
      {"0", 0},
      {"forged", kForgedHandle},
      {"a freed master key", freed_master},
      {"an ephemeral key", keys_.own.get()},
      {"a public key", keys_.peer_public.get()},
      {"a session key", a_session_key.get()},
      {"the provider", p()},
      {"a master key of another provider instance", foreign_master.get()},
  };
  for (const Case& c : cases) {
    EXPECT_STATUS(NTE_INVALID_HANDLE, generate(c.key, params.desc())) << c.what;
  }
  Handle r, w;
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslGenerateSessionKeys(kForgedHandle, master_.get(), r.out(), w.out(), params.desc(), 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE,
                SslGenerateSessionKeys(other.get(), master_.get(), r.out(), w.out(), params.desc(), 0))
      << "this provider's master key through another provider handle";
}

TEST_P(SessionKeysErrors, TwoDistinctHandlesThatDieWithSslFreeObject) {
  ParamList params = randoms_.list();
  ASSERT_OK(generate(master_.get(), params.desc()));
  const NCRYPT_KEY_HANDLE read = read_.get(), write = write_.get();
  EXPECT_NE(read, 0u);
  EXPECT_NE(write, 0u);
  EXPECT_NE(read, write);
  EXPECT_NE(read, master_.get());
  EXPECT_NE(write, master_.get());
  EXPECT_OK(key_property(read, NCRYPT_LENGTH_PROPERTY).status);
  EXPECT_OK(key_property(write, NCRYPT_LENGTH_PROPERTY).status);

  EXPECT_OK(SslFreeObject(read_.release(), 0));
  EXPECT_OK(SslFreeObject(write_.release(), 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, key_property(read, NCRYPT_LENGTH_PROPERTY).status);
  EXPECT_STATUS(NTE_INVALID_HANDLE, key_property(write, NCRYPT_LENGTH_PROPERTY).status);
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslFreeObject(read, 0));
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslFreeObject(write, 0));

  // The master key outlives its session keys and makes new ones.
  ASSERT_OK(generate(master_.get(), params.desc()));
  EXPECT_NE(read_.get(), read) << "a handle value was reused";
  EXPECT_NE(write_.get(), write) << "a handle value was reused";
}

TEST_P(SessionKeysErrors, SessionKeysSurviveTheirMasterKey) {
  ParamList params = randoms_.list();
  ASSERT_OK(generate(master_.get(), params.desc()));
  const NCRYPT_HANDLE master = master_.free_keep_value();
  EXPECT_OK(key_property(read_.get(), NCRYPT_LENGTH_PROPERTY).status);
  EXPECT_OK(key_property(write_.get(), NCRYPT_LENGTH_PROPERTY).status);
  Handle r, w;
  EXPECT_STATUS(NTE_INVALID_HANDLE, SslGenerateSessionKeys(p(), master, r.out(), w.out(), params.desc(), 0));
}

// Session keys for every suite class: GCM, CBC with SHA-1/SHA-256/SHA-384 MACs,
// and ChaCha20-Poly1305 where the token has it.
TEST_P(SessionKeysErrors, EveryOfferedEcdheRsaSuiteMakesSessionKeys) {
  struct Suite {
    DWORD id;
    DWORD group;
    DWORD key_bits;
  };
  std::vector<Suite> suites = {
      {TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 23, 128}, {TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 24, 256},
      {TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 23, 128},    {TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, 23, 128},
      {TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, 24, 256},
  };
  if (token().name == "nss") suites.push_back({TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 23, 256});
  for (const Suite& s : suites) {
    SCOPED_TRACE(s.id);
    EcdheKeys k = make_ecdhe(p(), s.id, s.group);
    Handle master = make_master(p(), k, s.id, randoms_);
    ParamList params = randoms_.list();
    ASSERT_OK(generate(master.get(), params.desc()));
    EXPECT_EQ(key_property(read_.get(), NCRYPT_LENGTH_PROPERTY).dword(), s.key_bits);
    EXPECT_EQ(key_property(write_.get(), NCRYPT_LENGTH_PROPERTY).dword(), s.key_bits);
  }
}

INSTANTIATE_TEST_SUITE_P(Tokens, SessionKeysErrors, ::testing::ValuesIn(TestTokens::all()), TokenName{});

}  // namespace
}  // namespace sslp11::test
