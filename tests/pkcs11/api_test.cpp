// Tests of pkcs11/api.cpp: the thin C_* wrapper. It counts every call on the
// calling thread, turns failures into p11::Error naming the function, and
// passes buffers through unchanged (OpenSSL is the oracle for the bytes).
#include <array>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pkcs11/api.h"
#include "pkcs11/attributes.h"
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

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t start) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(start + 7 * i);
  return v;
}

class ApiTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    module_ = Module::load(spec().module_path, spec().init_args);
    slot_ = select_token(*module_, test_token_selector(spec())).id;
  }
  void TearDown() override {
    if (session_ != CK_INVALID_HANDLE) {
      try {
        api().C_CloseSession(session_);  // the last session: logs out too
      } catch (const Error&) {
      }
    }
  }
  const TokenSpec& spec() const { return GetParam(); }
  const Api& api() const { return module_->api(); }

  // An R/W session of the test's own, logged in where the token needs it.
  CK_SESSION_HANDLE session() {
    if (session_ == CK_INVALID_HANDLE) {
      session_ = api().C_OpenSession(slot_, CKF_RW_SESSION);
      if (spec().login_required) {
        const std::string& pin = spec().user_pin;
        api().C_Login(session_, CKU_USER,
                      {reinterpret_cast<const CK_UTF8CHAR*>(pin.data()), pin.size()});
      }
    }
    return session_;
  }

  CK_OBJECT_HANDLE create_secret(CK_KEY_TYPE type, const std::vector<std::uint8_t>& value) {
    AttributeTemplate t;
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
        .add_ulong(CKA_KEY_TYPE, type)
        .add_bool(CKA_TOKEN, false)
        .add_bool(CKA_SENSITIVE, true)
        .add_bool(CKA_EXTRACTABLE, false)
        .add_bool(CKA_SIGN, type == CKK_GENERIC_SECRET)
        .add_bool(CKA_VERIFY, type == CKK_GENERIC_SECRET)
        .add_bool(CKA_ENCRYPT, type == CKK_AES)
        .add_bool(CKA_DECRYPT, type == CKK_AES)
        .add_bytes(CKA_VALUE, value);
    return api().C_CreateObject(session(), t.span());
  }

  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_ = 0;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
};

TEST_P(ApiTest, CounterAddsExactlyOnePerWrappedCall) {
  std::uint64_t before = calls_on_this_thread();
  api().C_GetInfo();
  EXPECT_EQ(calls_on_this_thread() - before, 1u);

  before = calls_on_this_thread();
  for (int i = 0; i < 10; ++i) api().C_GetInfo();
  api().C_GetSlotInfo(slot_);
  api().C_GetTokenInfo(slot_);
  EXPECT_EQ(calls_on_this_thread() - before, 12u);
}

TEST_P(ApiTest, CounterCountsEachCallOfTheTwoCallForms) {
  std::uint64_t before = calls_on_this_thread();
  const auto mechanisms = api().C_GetMechanismList(slot_);
  EXPECT_FALSE(mechanisms.empty());
  EXPECT_EQ(calls_on_this_thread() - before, 2u) << "size query + fetch";

  const CK_SESSION_HANDLE s = session();
  AttributeTemplate none;
  none.add_string(CKA_LABEL, "sslp11-api-test-no-such-object");
  before = calls_on_this_thread();
  EXPECT_TRUE(api().find_objects(s, none.span()).empty());
  EXPECT_EQ(calls_on_this_thread() - before, 3u) << "C_FindObjectsInit + C_FindObjects + C_FindObjectsFinal";
}

TEST_P(ApiTest, CounterIsPerThread) {
  const std::uint64_t main_before = calls_on_this_thread();
  std::uint64_t thread_start = ~0ull;
  std::uint64_t thread_delta = 0;
  std::thread other([&] {
    thread_start = calls_on_this_thread();
    for (int i = 0; i < 100; ++i) api().C_GetInfo();
    thread_delta = calls_on_this_thread() - thread_start;
  });
  for (int i = 0; i < 7; ++i) api().C_GetInfo();  // concurrently with the other thread
  other.join();
  EXPECT_EQ(thread_start, 0u) << "a new thread starts at zero";
  EXPECT_EQ(thread_delta, 100u);
  EXPECT_EQ(calls_on_this_thread() - main_before, 7u) << "another thread's calls leaked into this one's count";
}

TEST_P(ApiTest, FailedCallCountsAndThrowsNamingFunctionAndCode) {
  const std::uint64_t before = calls_on_this_thread();
  try {
    api().C_GetSessionInfo(0x7ffffff0);
    FAIL() << "C_GetSessionInfo of a bogus handle succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.rv(), CKR_SESSION_HANDLE_INVALID) << e.what();
    EXPECT_EQ(e.function(), "C_GetSessionInfo");
    const std::string what = e.what();
    EXPECT_NE(what.find("C_GetSessionInfo"), std::string::npos) << what;
    EXPECT_NE(what.find("CKR_SESSION_HANDLE_INVALID"), std::string::npos) << what;
  }
  EXPECT_EQ(calls_on_this_thread() - before, 1u);
}

TEST_P(ApiTest, GetAttributeValueReturnsTheCodeInsteadOfThrowing) {
  const CK_OBJECT_HANDLE key = create_secret(CKK_GENERIC_SECRET, pattern(32, 1));
  CK_ATTRIBUTE a{CKA_VALUE, nullptr, 0};
  EXPECT_EQ(api().C_GetAttributeValue(session(), key, {&a, 1}), CKR_ATTRIBUTE_SENSITIVE);
  api().C_DestroyObject(session(), key);
  EXPECT_EQ(api().C_GetAttributeValue(session(), key, {&a, 1}), CKR_OBJECT_HANDLE_INVALID);
}

TEST_P(ApiTest, DigestMatchesOpenSsl) {
  const auto data = pattern(1000, 3);
  CK_MECHANISM m{CKM_SHA256, nullptr, 0};
  api().C_DigestInit(session(), m);
  std::array<CK_BYTE, 32> ours{};
  ASSERT_EQ(api().C_Digest(session(), data, ours), 32u);

  std::array<unsigned char, EVP_MAX_MD_SIZE> oracle{};
  unsigned int n = 0;
  ASSERT_EQ(EVP_Digest(data.data(), data.size(), oracle.data(), &n, EVP_sha256(), nullptr), 1);
  ASSERT_EQ(n, 32u);
  EXPECT_EQ(0, std::memcmp(ours.data(), oracle.data(), 32));
}

TEST_P(ApiTest, HmacSignAndVerifyMatchOpenSsl) {
  const auto key_bytes = pattern(48, 0x40);  // 48: SoftHSM's minimum for HMAC-SHA384
  const auto data = pattern(300, 9);
  const CK_OBJECT_HANDLE key = create_secret(CKK_GENERIC_SECRET, key_bytes);

  std::array<unsigned char, EVP_MAX_MD_SIZE> oracle{};
  unsigned int n = 0;
  ASSERT_NE(HMAC(EVP_sha384(), key_bytes.data(), int(key_bytes.size()), data.data(), data.size(), oracle.data(), &n),
            nullptr);
  ASSERT_EQ(n, 48u);

  CK_MECHANISM m{CKM_SHA384_HMAC, nullptr, 0};
  api().C_SignInit(session(), m, key);
  std::array<CK_BYTE, 48> one_shot{};
  ASSERT_EQ(api().C_Sign(session(), data, one_shot), 48u);
  EXPECT_EQ(0, std::memcmp(one_shot.data(), oracle.data(), 48));

  api().C_SignInit(session(), m, key);
  api().C_SignUpdate(session(), std::span(data).first(100));
  api().C_SignUpdate(session(), std::span(data).subspan(100));
  std::array<CK_BYTE, 48> parts{};
  ASSERT_EQ(api().C_SignFinal(session(), parts), 48u);
  EXPECT_EQ(0, std::memcmp(parts.data(), oracle.data(), 48));

  api().C_VerifyInit(session(), m, key);
  EXPECT_NO_THROW(api().C_Verify(session(), data, std::span<const CK_BYTE>(oracle.data(), 48)));
  oracle[0] ^= 1;
  api().C_VerifyInit(session(), m, key);
  try {
    api().C_Verify(session(), data, std::span<const CK_BYTE>(oracle.data(), 48));
    ADD_FAILURE() << "a tampered MAC verified";
  } catch (const Error& e) {
    // The wrapper passes the token's code through unchanged. NSS 3.87 says
    // CKR_DEVICE_ERROR (not CKR_SIGNATURE_INVALID) for a wrong HMAC.
    const CK_RV expected = spec().name == "nss" ? CKR_DEVICE_ERROR : CKR_SIGNATURE_INVALID;
    EXPECT_EQ(e.rv(), expected) << e.what();
    EXPECT_EQ(e.function(), "C_Verify");
    std::cout << "[" << spec().name << "] tampered HMAC: " << e.what() << "\n";
  }
  api().C_DestroyObject(session(), key);
}

// SoftHSM refuses a short MAC buffer; NSS treats the buffer size as the MAC
// length wanted and returns a truncated MAC (CKR_OK, 16 bytes). Either way
// the wrapper must report exactly what the token did.
TEST_P(ApiTest, ShortMacBufferIsRefusedOrTruncatedAsTheTokenSays) {
  const auto key_bytes = pattern(32, 0x11);
  const auto data = pattern(10, 0);
  const CK_OBJECT_HANDLE key = create_secret(CKK_GENERIC_SECRET, key_bytes);
  std::array<unsigned char, EVP_MAX_MD_SIZE> oracle{};
  unsigned int n = 0;
  ASSERT_NE(HMAC(EVP_sha256(), key_bytes.data(), int(key_bytes.size()), data.data(), data.size(), oracle.data(), &n),
            nullptr);

  CK_MECHANISM m{CKM_SHA256_HMAC, nullptr, 0};
  api().C_SignInit(session(), m, key);
  std::array<CK_BYTE, 32> buffer{};
  buffer.fill(0xEE);
  const auto small = std::span(buffer).first(16);
  if (spec().name == "nss") {
    ASSERT_EQ(api().C_Sign(session(), data, small), 16u);
    EXPECT_EQ(0, std::memcmp(buffer.data(), oracle.data(), 16)) << "not the leading 16 bytes of the HMAC";
    EXPECT_EQ(buffer[16], 0xEE) << "written past the buffer";
    return;
  }
  try {
    api().C_Sign(session(), data, small);
    ADD_FAILURE() << "a 32-byte MAC fit in 16 bytes";
  } catch (const Error& e) {
    EXPECT_EQ(e.rv(), CKR_BUFFER_TOO_SMALL) << e.what();
    EXPECT_EQ(e.function(), "C_Sign");
  }
  EXPECT_EQ(buffer[16], 0xEE) << "written past the buffer";
}

TEST_P(ApiTest, AesCbcMatchesOpenSsl) {
  const auto key_bytes = pattern(32, 0x21);
  const auto iv = pattern(16, 0x90);
  const auto plain = pattern(64, 0x33);
  const CK_OBJECT_HANDLE key = create_secret(CKK_AES, key_bytes);

  std::vector<unsigned char> oracle(plain.size());
  {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    ASSERT_NE(ctx, nullptr);
    int len = 0;
    int fin = 0;
    const bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key_bytes.data(), iv.data()) == 1 &&
                    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
                    EVP_EncryptUpdate(ctx, oracle.data(), &len, plain.data(), int(plain.size())) == 1 &&
                    EVP_EncryptFinal_ex(ctx, oracle.data() + len, &fin) == 1;
    EVP_CIPHER_CTX_free(ctx);
    ASSERT_TRUE(ok);
    ASSERT_EQ(std::size_t(len + fin), plain.size());
  }

  std::vector<CK_BYTE> iv_param(iv.begin(), iv.end());
  CK_MECHANISM m{CKM_AES_CBC, iv_param.data(), CK_ULONG(iv_param.size())};
  api().C_EncryptInit(session(), m, key);
  std::vector<CK_BYTE> cipher(plain.size());
  ASSERT_EQ(api().C_Encrypt(session(), plain, cipher), plain.size());
  EXPECT_EQ(cipher, oracle);

  api().C_DecryptInit(session(), m, key);
  std::vector<CK_BYTE> back(plain.size());
  ASSERT_EQ(api().C_Decrypt(session(), cipher, back), plain.size());
  EXPECT_EQ(back, plain);
}

TEST_P(ApiTest, GenerateRandomFillsTheBuffer) {
  std::array<CK_BYTE, 64> a{};
  std::array<CK_BYTE, 64> b{};
  api().C_GenerateRandom(session(), a);
  api().C_GenerateRandom(session(), b);
  EXPECT_NE(a, (std::array<CK_BYTE, 64>{}));
  EXPECT_NE(a, b);
}

INSTANTIATE_TEST_SUITE_P(Tokens, ApiTest, ::testing::ValuesIn(TestTokens::all()), TokenName());

}  // namespace
}  // namespace sslp11::p11
