// Tests of src/abi/handle_table.{h,cpp}, the C boundary's registry of opaque
// handles, and of the typed look-up in src/abi/handles.h that every Ssl*
// function goes through: kinds, owners, never-reused handles, the threads'
// remembered look-ups, and many threads at once (HandleTableConcurrency, also
// run under TSan with the "concurrency" label).
//
// The objects are real core keys made without a token: the table never looks
// inside what it holds.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "abi/guard.h"
#include "abi/handle_table.h"
#include "abi/handles.h"
#include "core/cipher_suites.h"
#include "core/handshake_hash.h"
#include "core/keys.h"

namespace sslp11::abi {
namespace {

constexpr std::uint32_t kTls12 = 0x0303;
constexpr std::uint32_t kEcdheRsaAes128Gcm = 0xC02F;

std::shared_ptr<core::PublicKey> public_key() {
  return std::make_shared<core::PublicKey>(nullptr, *core::find_curve_by_bits(256),
                                           std::vector<std::uint8_t>(65, 0x04));
}

std::shared_ptr<core::MasterKey> master_key() {
  return std::make_shared<core::MasterKey>(nullptr, kTls12, *core::find_cipher_suite(kEcdheRsaAes128Gcm),
                                           core::Role::client, p11::DerivationPath::native, /*extended=*/false, p11::Object{});
}

std::shared_ptr<core::HandshakeHash> handshake_hash() {
  const core::CipherSuite& suite = *core::find_cipher_suite(kEcdheRsaAes128Gcm);
  return std::make_shared<core::HandshakeHash>(nullptr, kTls12, suite, suite.prf);
}

TEST(HandleKind, EveryKindHasItsOwnName) {
  std::set<std::string> names;
  for (HandleKind k : {HandleKind::provider, HandleKind::private_key, HandleKind::ephemeral_key, HandleKind::public_key,
                       HandleKind::pre_master_key, HandleKind::master_key, HandleKind::session_key, HandleKind::hash}) {
    names.insert(kind_name(k));
  }
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(std::string(kind_name(HandleKind::master_key)), "master key");
}

TEST(HandleKind, EachCoreTypeHasItsKind) {
  EXPECT_EQ(handle_kind_v<core::Provider>, HandleKind::provider);
  EXPECT_EQ(handle_kind_v<core::PrivateKey>, HandleKind::private_key);
  EXPECT_EQ(handle_kind_v<core::EphemeralKey>, HandleKind::ephemeral_key);
  EXPECT_EQ(handle_kind_v<core::PublicKey>, HandleKind::public_key);
  EXPECT_EQ(handle_kind_v<core::PreMasterKey>, HandleKind::pre_master_key);
  EXPECT_EQ(handle_kind_v<core::MasterKey>, HandleKind::master_key);
  EXPECT_EQ(handle_kind_v<core::SessionKey>, HandleKind::session_key);
  EXPECT_EQ(handle_kind_v<core::HandshakeHash>, HandleKind::hash);
  EXPECT_EQ(handle_kind_v<const core::SessionKey>, HandleKind::session_key);
}

TEST(HandleTable, InsertFindRemove) {
  HandleTable table;
  auto owner = std::make_shared<Owner>();
  auto key = public_key();
  const std::uintptr_t h = table.insert(key, owner);
  EXPECT_NE(h, 0u);
  EXPECT_EQ(table.size(), 1u);

  auto entry = table.find(h);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->kind, HandleKind::public_key);
  EXPECT_EQ(entry->owner, owner);
  EXPECT_EQ(entry->object.get(), key.get());
  EXPECT_EQ(&entry->as<core::PublicKey>(), key.get());
  EXPECT_EQ(table.find<core::PublicKey>(h), key);

  auto removed = table.remove(h);
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(removed->object.get(), key.get());
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.find(h), nullptr);
  EXPECT_EQ(table.find<core::PublicKey>(h), nullptr);
  EXPECT_EQ(table.remove(h), nullptr);  // a second free finds nothing
}

TEST(HandleTable, WrongKindIsRefused) {
  HandleTable table;
  auto owner = std::make_shared<Owner>();
  const std::uintptr_t key = table.insert(public_key(), owner);
  const std::uintptr_t hash = table.insert(handshake_hash(), owner);
  EXPECT_EQ(table.find<core::MasterKey>(key), nullptr);
  EXPECT_EQ(table.find<core::SessionKey>(key), nullptr);
  EXPECT_EQ(table.find<core::Provider>(key), nullptr);
  EXPECT_EQ(table.find<core::PublicKey>(hash), nullptr);
  EXPECT_NE(table.find<core::HandshakeHash>(hash), nullptr);
  EXPECT_EQ(HandleTable::object_of<core::MasterKey>(table.find(key)), nullptr);
  EXPECT_THROW(table.find(key)->as<core::MasterKey>(), std::logic_error);
}

TEST(HandleTable, FreedHandleIsNeverFoundAgainNotEvenFromTheThreadsMemory) {
  HandleTable table;
  auto owner = std::make_shared<Owner>();
  auto key = public_key();
  const std::weak_ptr<core::PublicKey> watch = key;
  const std::uintptr_t h = table.insert(std::move(key), owner);
  // Found twice: the second comes from this thread's remembered look-ups.
  ASSERT_NE(table.find<core::PublicKey>(h), nullptr);
  auto in_flight = table.find(h);  // a call still using the key keeps it alive...
  ASSERT_NE(in_flight, nullptr);
  EXPECT_NE(table.remove(h), nullptr);
  EXPECT_EQ(table.find(h), nullptr);  // ...but the freed handle names nothing, remembered or not
  EXPECT_EQ(table.find<core::PublicKey>(h), nullptr);
  EXPECT_FALSE(watch.expired());
  in_flight.reset();
  // The memory is weak: the object went with its handle and the last call.
  EXPECT_TRUE(watch.expired());
}

TEST(HandleTable, ARemovalInTheShardLeavesTheOtherHandlesThere) {
  HandleTable table;
  auto owner = std::make_shared<Owner>();
  // 65 consecutive handles: the first and the last fall in the same shard.
  std::vector<std::uintptr_t> handles;
  for (int i = 0; i < 65; ++i) handles.push_back(table.insert(public_key(), owner));
  ASSERT_NE(table.find(handles.front()), nullptr);  // remembered
  EXPECT_NE(table.remove(handles.back()), nullptr);
  EXPECT_NE(table.find(handles.front()), nullptr);  // from the shard again
  EXPECT_EQ(table.find(handles.back()), nullptr);
  EXPECT_EQ(table.size(), 64u);
}

TEST(HandleTable, HandlesAreNeverReused) {
  HandleTable table;
  auto owner = std::make_shared<Owner>();
  std::set<std::uintptr_t> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::uintptr_t h = table.insert(public_key(), owner);
    EXPECT_NE(h, 0u);
    EXPECT_EQ(h % HandleTable::kStep, 0u) << "handles keep their low bits clear";
    EXPECT_TRUE(seen.insert(h).second) << "handle " << h << " issued twice";
    if (i % 3 != 0) table.remove(h);  // freed or not, never issued again
  }
  EXPECT_EQ(table.size(), 3334u);
}

TEST(HandleTable, ForgedZeroAndMisalignedHandlesNameNothing) {
  HandleTable table;
  auto owner = std::make_shared<Owner>();
  const std::uintptr_t h = table.insert(master_key(), owner);
  ASSERT_NE(table.find(h), nullptr);  // remembered by this thread too
  for (std::uintptr_t forged : {std::uintptr_t{0}, h + 1, h + 8, h - 1, h + HandleTable::kStep * 1000, ~h,
                                std::uintptr_t{1}, std::uintptr_t{0x10}, ~std::uintptr_t{0}}) {
    SCOPED_TRACE(forged);
    EXPECT_EQ(table.find(forged), nullptr);
    EXPECT_EQ(table.find<core::MasterKey>(forged), nullptr);
    EXPECT_EQ(table.remove(forged), nullptr);
  }
  EXPECT_NE(table.find<core::MasterKey>(h), nullptr);  // untouched by the forged frees
  EXPECT_EQ(table.size(), 1u);
}

TEST(HandleTable, SizeCountsTheLiveHandles) {
  HandleTable table;
  auto owner = std::make_shared<Owner>();
  EXPECT_EQ(table.size(), 0u);
  std::vector<std::uintptr_t> handles;
  for (int i = 0; i < 200; ++i) {
    handles.push_back(i % 2 ? table.insert(public_key(), owner) : table.insert(master_key(), owner));
  }
  EXPECT_EQ(table.size(), 200u);
  for (int i = 0; i < 50; ++i) table.remove(handles[i]);
  EXPECT_EQ(table.size(), 150u);
  table.remove(handles[0]);  // already freed: no change
  EXPECT_EQ(table.size(), 150u);
}

TEST(HandleTable, TablesDoNotShareTheThreadsMemory) {
  HandleTable a;
  HandleTable b;
  auto owner = std::make_shared<Owner>();
  const std::uintptr_t h = a.insert(public_key(), owner);
  ASSERT_NE(a.find(h), nullptr);  // remembered, with shard removal count 0 as b's
  EXPECT_EQ(b.find(h), nullptr);
}

TEST(HandleTable, TheProcessTableIsOne) { EXPECT_EQ(&HandleTable::instance(), &HandleTable::instance()); }

// key_from (abi/handles.h): the look-up the Ssl* functions use, on the
// process-wide table.
class KeyFrom : public ::testing::Test {
 protected:
  void TearDown() override {
    for (std::uintptr_t h : handles_) HandleTable::instance().remove(h);
  }
  std::uintptr_t add(std::shared_ptr<core::PublicKey> key, std::shared_ptr<Owner> owner) {
    handles_.push_back(HandleTable::instance().insert(std::move(key), std::move(owner)));
    return handles_.back();
  }
  std::vector<std::uintptr_t> handles_;
};

// The status and text key_from fails with.
std::pair<SECURITY_STATUS, std::string> failure(const std::function<void()>& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return {e.status(), e.what()};
  }
  return {ERROR_SUCCESS, ""};
}

TEST_F(KeyFrom, FindsTheOwnersKey) {
  auto owner = std::make_shared<Owner>();
  auto key = public_key();
  const std::uintptr_t h = add(key, owner);
  EXPECT_EQ(key_from<core::PublicKey>(h, *owner), key);
}

TEST_F(KeyFrom, ForeignOwnerIsRefused) {
  auto mine = std::make_shared<Owner>();
  auto theirs = std::make_shared<Owner>();
  const std::uintptr_t h = add(public_key(), theirs);
  const auto [status, text] = failure([&] { key_from<core::PublicKey>(h, *mine); });
  EXPECT_EQ(status, NTE_INVALID_HANDLE);
  EXPECT_EQ(text, "the public key belongs to another provider instance");
}

TEST_F(KeyFrom, WrongKindFreedAndForgedAreNotLive) {
  auto owner = std::make_shared<Owner>();
  const std::uintptr_t h = add(public_key(), owner);
  auto [status, text] = failure([&] { key_from<core::MasterKey>(h, *owner); });
  EXPECT_EQ(status, NTE_INVALID_HANDLE);
  EXPECT_EQ(text, "the handle is not a live master key");

  const std::uintptr_t freed = add(public_key(), owner);
  HandleTable::instance().remove(freed);
  std::tie(status, text) = failure([&] { key_from<core::PublicKey>(freed, *owner); });
  EXPECT_EQ(status, NTE_INVALID_HANDLE);
  EXPECT_EQ(text, "the handle is not a live public key");

  for (std::uintptr_t forged : {std::uintptr_t{0}, h + 1}) {
    std::tie(status, text) = failure([&] { key_from<core::PublicKey>(forged, *owner); });
    EXPECT_EQ(status, NTE_INVALID_HANDLE);
  }
}

// Threads inserting, finding and removing their own handles while looking up
// each other's: every find answers a live entry of the right kind or nothing,
// a thread never finds a handle it freed, and nothing is left behind.
TEST(HandleTableConcurrency, ThreadsInsertFindAndRemoveAtOnce) {
  HandleTable table;
  constexpr int kThreads = 8;
  constexpr int kRounds = 2000;
  std::array<std::atomic<std::uintptr_t>, kThreads> latest{};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto owner = std::make_shared<Owner>();
      for (int i = 0; i < kRounds; ++i) {
        auto key = public_key();
        const std::uintptr_t h = table.insert(key, owner);
        latest[t].store(h, std::memory_order_relaxed);
        if (table.find<core::PublicKey>(h) != key) ++wrong;
        if (table.find<core::MasterKey>(h) != nullptr) ++wrong;
        // Another thread's latest handle: live or already freed, never half.
        const std::uintptr_t other = latest[(t + 1 + i) % kThreads].load(std::memory_order_relaxed);
        if (auto entry = table.find(other)) {
          if (entry->kind != HandleKind::public_key || entry->as<core::PublicKey>().public_value.size() != 65) ++wrong;
        }
        if (table.remove(h) == nullptr) ++wrong;
        if (table.find(h) != nullptr) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(table.size(), 0u);
}

// Two threads freeing the same handles: exactly one remove() takes each.
TEST(HandleTableConcurrency, EachHandleIsRemovedOnce) {
  HandleTable table;
  auto owner = std::make_shared<Owner>();
  std::vector<std::uintptr_t> handles;
  for (int i = 0; i < 4000; ++i) handles.push_back(table.insert(public_key(), owner));
  std::atomic<int> taken{0};
  auto free_all = [&] {
    for (std::uintptr_t h : handles) {
      table.find(h);  // fills the thread's memory, which the other thread's removal must invalidate
      if (table.remove(h)) ++taken;
    }
  };
  std::thread a(free_all), b(free_all);
  a.join();
  b.join();
  EXPECT_EQ(taken.load(), 4000);
  EXPECT_EQ(table.size(), 0u);
  for (std::uintptr_t h : handles) EXPECT_EQ(table.find(h), nullptr);
}

}  // namespace
}  // namespace sslp11::abi
