// Tests of pkcs11/object.cpp: an Object destroys its token object exactly once,
// when its (last) owner goes, and never after its session died.
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>

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

class ObjectTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    module_ = Module::load(spec().module_path, spec().init_args);
    slot_ = select_token(*module_, test_token_selector(spec())).id;
    pool_ = SessionPool::create(module_, slot_, Pin(spec().user_pin), bounded(4));
  }
  const TokenSpec& spec() const { return GetParam(); }

  static std::string unique_label(const std::string& what) {
    static std::atomic<int> counter{0};
    return "sslp11-object-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
  }

  // CKM_GENERIC_SECRET_KEY_GEN, 32 bytes, session object, sensitive, not extractable.
  Object generate_key(const std::string& label) {
    return pool_->run([&](Lease& l) {
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
    });
  }

  // C_CreateObject of a secret with known bytes, sensitive, not extractable.
  Object create_key(const std::string& label) {
    return pool_->run([&](Lease& l) {
      std::array<std::uint8_t, 32> value{};
      for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<std::uint8_t>(0xA0 + i);
      AttributeTemplate t;
      t.add_ulong(CKA_CLASS, CKO_SECRET_KEY)
          .add_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
          .add_bool(CKA_TOKEN, false)
          .add_bool(CKA_SENSITIVE, true)
          .add_bool(CKA_EXTRACTABLE, false)
          .add_bool(CKA_SIGN, true)
          .add_bytes(CKA_VALUE, value)
          .add_string(CKA_LABEL, label);
      return Object(pool_, l, l.api().C_CreateObject(l.handle(), t.span()));
    });
  }

  // How many objects the token has with this label (the oracle: the token itself).
  std::size_t count(const std::string& label) {
    return pool_->run([&](Lease& l) {
      AttributeTemplate t;
      t.add_string(CKA_LABEL, label);
      return l.api().find_objects(l.handle(), t.span()).size();
    });
  }

  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_ = 0;
  std::shared_ptr<SessionPool> pool_;
};

TEST_P(ObjectTest, GeneratedKeyIsDestroyedWhenItsOwnerGoes) {
  const std::string label = unique_label("generated");
  ASSERT_EQ(count(label), 0u);
  {
    Object key = generate_key(label);
    EXPECT_FALSE(key.empty());
    EXPECT_TRUE(key.alive());
    EXPECT_EQ(key.pool(), pool_);
    EXPECT_EQ(count(label), 1u);
  }
  EXPECT_EQ(count(label), 0u);
}

TEST_P(ObjectTest, CreatedObjectIsDestroyedWhenItsOwnerGoes) {
  const std::string label = unique_label("created");
  {
    Object key = create_key(label);
    EXPECT_TRUE(key.alive());
    EXPECT_EQ(count(label), 1u);
  }
  EXPECT_EQ(count(label), 0u);
}

TEST_P(ObjectTest, MoveConstructionTransfersOwnership) {
  const std::string label = unique_label("moved");
  Object first = generate_key(label);
  const CK_OBJECT_HANDLE handle = first.handle();
  Object second(std::move(first));
  EXPECT_TRUE(first.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  EXPECT_FALSE(first.alive());
  EXPECT_EQ(second.handle(), handle);
  EXPECT_TRUE(second.alive());

  // The moved-from owner destroys nothing: no token call at all.
  std::uint64_t before = calls_on_this_thread();
  first.reset();
  EXPECT_EQ(calls_on_this_thread(), before);
  EXPECT_EQ(count(label), 1u);

  // The new owner destroys it, exactly once.
  before = calls_on_this_thread();
  second.reset();
  EXPECT_EQ(calls_on_this_thread() - before, 1u) << "one C_DestroyObject";
  EXPECT_TRUE(second.empty());
  EXPECT_EQ(count(label), 0u);
  before = calls_on_this_thread();
  second.reset();
  EXPECT_EQ(calls_on_this_thread(), before) << "a second reset() must not destroy again";
}

TEST_P(ObjectTest, MoveAssignmentDestroysTheTargetsOldObject) {
  const std::string old_label = unique_label("assign-old");
  const std::string new_label = unique_label("assign-new");
  Object target = generate_key(old_label);
  Object source = generate_key(new_label);
  target = std::move(source);
  EXPECT_EQ(count(old_label), 0u) << "the object the target owned before was not destroyed";
  EXPECT_EQ(count(new_label), 1u);
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(target.alive());

  Object& alias = target;
  target = std::move(alias);  // self-move keeps the object
  EXPECT_TRUE(target.alive());
  EXPECT_EQ(count(new_label), 1u);
}

TEST_P(ObjectTest, ResetWithALeaseUsesThatSession) {
  const std::string label = unique_label("reset-lease");
  Object key = generate_key(label);
  {
    Lease lease = pool_->acquire();
    const std::size_t open = pool_->open_sessions();
    const std::uint64_t before = calls_on_this_thread();
    key.reset(lease);
    EXPECT_EQ(calls_on_this_thread() - before, 1u) << "one C_DestroyObject on the given session";
    EXPECT_EQ(pool_->open_sessions(), open);
  }
  EXPECT_TRUE(key.empty());
  EXPECT_EQ(count(label), 0u);
}

TEST_P(ObjectTest, ObjectOfALostSessionIsNotDestroyedAgain) {
  const std::string label = unique_label("lost");
  Object key = generate_key(label);
  module_->api().C_CloseAllSessions(slot_);  // the token dropped the session and its objects
  EXPECT_TRUE(key.alive()) << "the pool cannot know yet";
  pool_->run([](Lease& l) { return l.api().C_GetSessionInfo(l.handle()); });  // the pool notices
  EXPECT_FALSE(key.alive());
  const std::uint64_t before = calls_on_this_thread();
  key.reset();
  EXPECT_EQ(calls_on_this_thread(), before) << "destroying a handle of a dead session";
  EXPECT_EQ(count(label), 0u);
}

TEST_P(ObjectTest, DefaultObjectOwnsNothing) {
  Object none;
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.alive());
  EXPECT_EQ(none.handle(), CK_INVALID_HANDLE);
  const std::uint64_t before = calls_on_this_thread();
  none.reset();
  EXPECT_EQ(calls_on_this_thread(), before);
}

INSTANTIATE_TEST_SUITE_P(Tokens, ObjectTest, ::testing::ValuesIn(TestTokens::all()), TokenName());

}  // namespace
}  // namespace sslp11::p11
