// Tests of pkcs11/session_pool.cpp under contention: 8 threads x 1,000 run()s
// on a pool of at most 4 sessions. Its own executable (CTest label
// "concurrency") so a ThreadSanitizer build can run just this.
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pkcs11/session_pool.h"
#include "pkcs11/token.h"
#include "pool_test_kit.h"
#include "support/test_tokens.h"

namespace sslp11::p11 {
namespace {

using namespace pooltest;
using test::TestTokens;
using test::TokenName;
using test::TokenSpec;

constexpr int kThreads = 8;
constexpr int kRunsPerThread = 1000;
constexpr std::size_t kMaxSessions = 4;

class SessionPoolConcurrencyTest : public ::testing::TestWithParam<TokenSpec> {
 protected:
  void SetUp() override {
    module_ = Module::load(spec().module_path, spec().init_args);
    slot_ = select_token(*module_, test_token_selector(spec())).id;
  }
  const TokenSpec& spec() const { return GetParam(); }

  std::shared_ptr<Module> module_;
  CK_SLOT_ID slot_ = 0;
};

TEST_P(SessionPoolConcurrencyTest, EightThreadsShareFourSessions) {
  auto pool = SessionPool::create(module_, slot_, Pin(spec().user_pin),
                                  bounded(kMaxSessions, std::chrono::seconds(60)));

  // Sessions in use right now: a session must never be leased twice at once.
  std::mutex in_use_mutex;
  std::set<CK_SESSION_HANDLE> in_use;
  std::set<CK_SESSION_HANDLE> ever_used;
  std::atomic<int> double_leases{0};
  std::atomic<int> errors{0};
  std::atomic<int> zero_outputs{0};
  std::atomic<long> completed{0};
  std::mutex first_error_mutex;
  std::string first_error;

  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();  // start together: the first logins race too
      for (int i = 0; i < kRunsPerThread; ++i) {
        try {
          pool->run([&](Lease& l) {
            {
              std::lock_guard lock(in_use_mutex);
              if (!in_use.insert(l.handle()).second) ++double_leases;
              ever_used.insert(l.handle());
            }
            CK_BYTE random[16] = {};
            l.api().C_GenerateRandom(l.handle(), random);
            CK_BYTE any = 0;
            for (CK_BYTE b : random) any |= b;
            if (any == 0) ++zero_outputs;
            std::lock_guard lock(in_use_mutex);
            in_use.erase(l.handle());
            return 0;
          });
          ++completed;
        } catch (const std::exception& e) {
          if (errors++ == 0) {
            std::lock_guard lock(first_error_mutex);
            first_error = e.what();
          }
        }
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  go = true;
  for (auto& th : threads) th.join();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);

  std::cout << "[" << spec().name << "] " << completed.load() << " runs on " << ever_used.size() << " sessions in "
            << ms.count() << " ms; open " << pool->open_sessions() << ", idle " << pool->idle_sessions() << "\n";
  EXPECT_EQ(errors.load(), 0) << "first error: " << first_error;
  EXPECT_EQ(completed.load(), long(kThreads) * kRunsPerThread);
  EXPECT_EQ(double_leases.load(), 0) << "a session was leased to two threads at once";
  EXPECT_EQ(zero_outputs.load(), 0) << "C_GenerateRandom returned all-zero 16-byte blocks";
  EXPECT_LE(ever_used.size(), kMaxSessions);
  EXPECT_LE(pool->open_sessions(), kMaxSessions);
  EXPECT_GE(pool->open_sessions(), 1u);
  EXPECT_EQ(pool->idle_sessions(), pool->open_sessions()) << "a session is still leased after every thread ended";
}

INSTANTIATE_TEST_SUITE_P(Tokens, SessionPoolConcurrencyTest, ::testing::ValuesIn(TestTokens::all()), TokenName());

}  // namespace
}  // namespace sslp11::p11
