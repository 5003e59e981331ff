// One record key used from two threads at once (no per-key lock: each record
// borrows a session of its own, and the key is immutable), so 2 x 500 records
// made concurrently with the same write key all open with OpenSSL; the same
// for a read key opening records. Its own executable so `ctest -L concurrency` (e.g. in an
// SSLP11_TSAN build) runs just this.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "records/support/record_fixture.h"

namespace sslp11::recordtest {
namespace {

constexpr int kThreads = 2;
constexpr int kRecordsPerThread = 500;

bool concurrency_suites(const SuiteFacts& s) {
  return s.id == TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 || s.id == TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 ||
         s.id == TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256;
}

// Thread t uses sequence numbers t * 2^32 + i: distinct across threads.
std::uint64_t sequence(int thread, int i) { return (std::uint64_t(thread) << 32) + std::uint64_t(i); }

struct Made {
  std::uint64_t seq;
  Bytes plaintext;
  CallResult result;
};

class RecordConcurrency : public RecordTest {};

TEST_P(RecordConcurrency, TwoThreadsEncryptWithOneWriteKey) {
  std::vector<std::vector<Made>> made(kThreads);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kRecordsPerThread; ++i) {
        Made m{sequence(t, i), random_bytes(static_cast<std::size_t>(i % 300)), {}};
        m.result = encrypt(p(), write_key(), m.plaintext, m.seq);
        made[t].push_back(std::move(m));
      }
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  int opened = 0;
  for (const auto& per_thread : made) {
    for (const auto& m : per_thread) {
      ASSERT_STATUS(ERROR_SUCCESS, m.result.status) << "sequence " << m.seq;
      const auto plaintext = open(suite(), conn().ours, m.seq, m.result.out);
      ASSERT_TRUE(plaintext.has_value()) << "OpenSSL rejects the record of sequence " << m.seq;
      EXPECT_EQ(*plaintext, m.plaintext);
      ++opened;
    }
  }
  EXPECT_EQ(opened, kThreads * kRecordsPerThread);
}

TEST_P(RecordConcurrency, TwoThreadsDecryptWithOneReadKey) {
  std::vector<std::vector<Made>> made(kThreads);
  std::vector<std::vector<Bytes>> records(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kRecordsPerThread; ++i) {
      Made m{sequence(t, i), random_bytes(static_cast<std::size_t>(i % 300)), {}};
      records[t].push_back(seal(suite(), conn().theirs, m.seq, CT_APPLICATIONDATA, m.plaintext));
      made[t].push_back(std::move(m));
    }
  }
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kRecordsPerThread; ++i) made[t][i].result = decrypt(p(), read_key(), records[t][i], made[t][i].seq);
    });
  }
  go = true;
  for (auto& th : threads) th.join();
  for (const auto& per_thread : made) {
    for (const auto& m : per_thread) {
      ASSERT_STATUS(ERROR_SUCCESS, m.result.status) << "sequence " << m.seq;
      EXPECT_EQ(m.result.out, m.plaintext);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Suites, RecordConcurrency, ::testing::ValuesIn(token_suites(concurrency_suites)),
                         TokenSuiteName{});

}  // namespace
}  // namespace sslp11::recordtest
