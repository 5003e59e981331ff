// Eight threads running key exchanges and records on one pool of three
// members at once (TSan runs this: label concurrency): placement, the
// outstanding-operation counts, binding and the probe thread share state.
// Every handshake completes and nothing leaks.
#include <gtest/gtest.h>

#include <sslp11/sslprovider.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "faults/support/fault_kit.h"
#include "pool/pool_support.h"

namespace sslp11::pool_test {
namespace {

void run_threads(NCRYPT_PROV_HANDLE p, int threads, int rounds, std::atomic<int>& failures, std::string& first_failure,
                 std::mutex& m) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) {
        const faults::Handshake h = faults::handshake(p);
        if (h.status != 0) {
          failures.fetch_add(1);
          std::lock_guard lock(m);
          if (first_failure.empty()) first_failure = h.failed_call + ": " + h.why;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
}

class PoolConcurrency : public ::testing::TestWithParam<const char*> {};

TEST_P(PoolConcurrency, EightThreadsOfHandshakes) {
  const std::vector<Member> members{member_a(), member_b(), member_n()};
  PoolProvider p(std::string("threads-") + GetParam(), members, std::string("policy = ") + GetParam());
  ASSERT_EQ(p.open_status(), 0);
  const auto before = counts(members);
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex m;
  run_threads(p.get(), 8, 6, failures, first_failure, m);
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_EQ(counts(members), before);
}

INSTANTIATE_TEST_SUITE_P(P, PoolConcurrency, ::testing::Values("least-outstanding", "round-robin"),
                         [](const auto& info) { return std::string(info.param) == "round-robin" ? "RoundRobin"
                                                                                                 : "LeastOutstanding"; });

}  // namespace
}  // namespace sslp11::pool_test
