// Tests of pkcs11/attributes.cpp: building templates and typed reads of
// attributes back from the token.
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pkcs11/attributes.h"
#include "pkcs11/object.h"
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

PoolOptions bounded(std::size_t max_sessions,
                    std::chrono::milliseconds acquire_timeout = std::chrono::seconds(30)) {
  PoolOptions o;
  o.max_sessions = max_sessions;
  o.acquire_timeout = acquire_timeout;
  return o;
}

// ---------------------------------------------------------------------------
// AttributeTemplate on its own.

TEST(AttributeTemplate, EncodesEachTypeTheWayPkcs11Expects) {
  AttributeTemplate t;
  const std::array<std::uint8_t, 3> bytes{1, 2, 3};
  t.add_bool(CKA_TOKEN, true)
      .add_bool(CKA_PRIVATE, false)
      .add_ulong(CKA_VALUE_LEN, 48)
      .add_bytes(CKA_ID, bytes)
      .add_string(CKA_LABEL, "label")
      .add_bytes(CKA_VALUE, {});
  ASSERT_EQ(t.size(), 6u);
  const auto a = t.span();

  EXPECT_EQ(a[0].type, CKA_TOKEN);
  ASSERT_EQ(a[0].ulValueLen, sizeof(CK_BBOOL));
  EXPECT_EQ(*static_cast<CK_BBOOL*>(a[0].pValue), CK_TRUE);
  EXPECT_EQ(*static_cast<CK_BBOOL*>(a[1].pValue), CK_FALSE);

  EXPECT_EQ(a[2].type, CKA_VALUE_LEN);
  ASSERT_EQ(a[2].ulValueLen, sizeof(CK_ULONG));
  CK_ULONG len = 0;
  std::memcpy(&len, a[2].pValue, sizeof len);
  EXPECT_EQ(len, 48u);

  ASSERT_EQ(a[3].ulValueLen, 3u);
  EXPECT_EQ(std::memcmp(a[3].pValue, bytes.data(), 3), 0);
  EXPECT_NE(a[3].pValue, static_cast<const void*>(bytes.data())) << "the template must own a copy";

  ASSERT_EQ(a[4].ulValueLen, 5u);
  EXPECT_EQ(std::memcmp(a[4].pValue, "label", 5), 0);

  EXPECT_EQ(a[5].pValue, nullptr);
  EXPECT_EQ(a[5].ulValueLen, 0u);
}

TEST(AttributeTemplate, ValuesStayPutWhileTheTemplateGrows) {
  AttributeTemplate t;
  t.add_ulong(CKA_CLASS, CKO_SECRET_KEY);
  const void* first = t.span()[0].pValue;
  for (CK_ULONG i = 0; i < 200; ++i) t.add_ulong(CKA_VENDOR_DEFINED + i, i);
  EXPECT_EQ(t.span()[0].pValue, first);
  for (CK_ULONG i = 0; i < 200; ++i) {
    CK_ULONG v = 0;
    std::memcpy(&v, t.span()[i + 1].pValue, sizeof v);
    ASSERT_EQ(v, i);
  }
  AttributeTemplate moved = std::move(t);
  EXPECT_EQ(moved.span()[0].pValue, first) << "moving the template must not move the values";
}

// ---------------------------------------------------------------------------
// Reads from a token.

class AttributesTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    module_ = Module::load(spec().module_path, spec().init_args);
    slot_ = select_token(*module_, test_token_selector(spec())).id;
    pool_ = SessionPool::create(module_, slot_, Pin(spec().user_pin), bounded(2));
  }
  const TokenSpec& spec() const { return GetParam(); }

  static std::string unique_label(const std::string& what) {
    static std::atomic<int> counter{0};
    return "sslp11-attr-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  }

  // CKM_GENERIC_SECRET_KEY_GEN, 32 bytes, session object, sensitive, not extractable.
  Object generate_sensitive_key(const Lease& l, const std::string& label) {
    AttributeTemplate t;
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
        .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
        .add_ulong(CKA_VALUE_LEN, 32)
        .add_bool(CKA_TOKEN, false)
        .add_bool(CKA_SENSITIVE, true)
        .add_bool(CKA_EXTRACTABLE, false)
        .add_bool(CKA_SIGN, true)
        .add_string(CKA_LABEL, label);
    CK_MECHANISM m{CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
    return Object(pool_, l, l.api().C_GenerateKey(l.handle(), m, t.span()));
  }

  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_ = 0;
  std::shared_ptr<SessionPool> pool_;
};

TEST_P(AttributesTest, SensitiveKeyReadsBackTypedAndRefusesItsValue) {
  const std::string label = unique_label("sensitive");
  pool_->run([&](Lease& l) {
    Object key = generate_sensitive_key(l, label);
    const Api& api = l.api();
    const auto s = l.handle();
    const auto o = key.handle();

    EXPECT_EQ(probe_attribute(api, s, o, CKA_VALUE), CKR_ATTRIBUTE_SENSITIVE);
    EXPECT_EQ(read_bytes(api, s, o, CKA_VALUE), std::nullopt);
    EXPECT_EQ(read_ulong(api, s, o, CKA_VALUE_LEN), std::optional<CK_ULONG>(32));
    EXPECT_EQ(read_bool(api, s, o, CKA_SENSITIVE), std::optional<bool>(true));
    EXPECT_EQ(read_bool(api, s, o, CKA_EXTRACTABLE), std::optional<bool>(false));
    EXPECT_EQ(read_bool(api, s, o, CKA_TOKEN), std::optional<bool>(false));
    EXPECT_EQ(read_ulong(api, s, o, CKA_CLASS), std::optional<CK_ULONG>(CKO_SECRET_KEY));
    EXPECT_EQ(read_ulong(api, s, o, CKA_KEY_TYPE), std::optional<CK_ULONG>(CKK_GENERIC_SECRET));

    EXPECT_EQ(probe_attribute(api, s, o, CKA_LABEL), CKR_OK);
    EXPECT_EQ(read_bytes(api, s, o, CKA_LABEL), std::optional(std::vector<std::uint8_t>(label.begin(), label.end())));

    // An attribute a secret key does not have.
    EXPECT_EQ(probe_attribute(api, s, o, CKA_MODULUS), CKR_ATTRIBUTE_TYPE_INVALID);
    EXPECT_EQ(read_bytes(api, s, o, CKA_MODULUS), std::nullopt);
    EXPECT_EQ(read_ulong(api, s, o, CKA_MODULUS_BITS), std::nullopt);

    key.reset(l);
    return 0;
  });
}

TEST_P(AttributesTest, ExtractableKeyReadsBackItsBytes) {
  const std::array<std::uint8_t, 32> value = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                              0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
                                              0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
  pool_->run([&](Lease& l) {
    AttributeTemplate t;
    t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
        .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
        .add_bool(CKA_TOKEN, false)
        .add_bool(CKA_SENSITIVE, false)
        .add_bool(CKA_EXTRACTABLE, true)
        .add_bytes(CKA_VALUE, value)
        .add_string(CKA_LABEL, unique_label("extractable"));
    Object key(pool_, l, l.api().C_CreateObject(l.handle(), t.span()));
    EXPECT_EQ(probe_attribute(l.api(), l.handle(), key.handle(), CKA_VALUE), CKR_OK);
    EXPECT_EQ(read_bytes(l.api(), l.handle(), key.handle(), CKA_VALUE),
              std::optional(std::vector<std::uint8_t>(value.begin(), value.end())));
    EXPECT_EQ(read_bool(l.api(), l.handle(), key.handle(), CKA_SENSITIVE), std::optional<bool>(false));
    key.reset(l);
    return 0;
  });
}

TEST_P(AttributesTest, ReadingAnInvalidHandleThrows) {
  pool_->run([&](Lease& l) {
    const CK_OBJECT_HANDLE bogus = 0x7fff0000;
    try {
      read_ulong(l.api(), l.handle(), bogus, CKA_CLASS);
      ADD_FAILURE() << "reading an attribute of a non-existent object succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.rv(), CKR_OBJECT_HANDLE_INVALID) << e.what();
      EXPECT_EQ(e.function(), "C_GetAttributeValue");
    }
    EXPECT_THROW(read_bool(l.api(), l.handle(), bogus, CKA_TOKEN), Error);
    EXPECT_THROW(read_bytes(l.api(), l.handle(), bogus, CKA_LABEL), Error);
    EXPECT_EQ(probe_attribute(l.api(), l.handle(), bogus, CKA_LABEL), CKR_OBJECT_HANDLE_INVALID);
    return 0;
  });
}

INSTANTIATE_TEST_SUITE_P(Tokens, AttributesTest, ::testing::ValuesIn(TestTokens::all()), TokenName());

}  // namespace
}  // namespace sslp11::p11
