#include "bench/paired.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include "bench/operations.h"
#include "bench/tls13_operations.h"
#include "bench/tls13_records.h"

namespace sslp11::bench {

namespace {

using Clock = std::chrono::steady_clock;
using Op = std::function<void()>;

double block_ns(const Op& op, int block) {
  const auto start = Clock::now();
  for (int i = 0; i < block; ++i) op();
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

double median(std::vector<double>& v) {
  if (v.empty()) return 0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// With several threads, all of them run the same side at the same time
// (a barrier between blocks, outside the timing): provider blocks contend
// with provider blocks (pool, gate, token), floor blocks with floor blocks.
// One barrier per run, made by thread 0 before the loop, whose start
// Google Benchmark synchronises across the threads.
std::unique_ptr<std::barrier<>> g_phase;

// Alternates which side goes first, so neither always runs on caches the
// other warmed (or cooled). Per side, the median block: a block that lost
// the core to another process is an outlier on whichever side it hit, and
// the median leaves it out where a mean would charge it to one side.
void run_paired(benchmark::State& st, const Op& provider, const Op& floor, int block) {
  if (st.thread_index() == 0) g_phase = std::make_unique<std::barrier<>>(st.threads());
  std::vector<double> provider_ns, floor_ns;
  bool provider_first = true;
  auto timed = [&](const Op& op, std::vector<double>& into) {
    g_phase->arrive_and_wait();
    into.push_back(block_ns(op, block));
  };
  for (auto _ : st) {
    if (provider_first) {
      timed(provider, provider_ns);
      timed(floor, floor_ns);
    } else {
      timed(floor, floor_ns);
      timed(provider, provider_ns);
    }
    provider_first = !provider_first;
  }
  // Per thread; the reported value is the mean over the threads.
  st.counters["provider_ns"] = benchmark::Counter(median(provider_ns) / block, benchmark::Counter::kAvgThreads);
  st.counters["floor_ns"] = benchmark::Counter(median(floor_ns) / block, benchmark::Counter::kAvgThreads);
}

// `threads`: also at 2 threads, for the session pool's scaling (5).
template <class Setup>
void reg(const std::string& name, Setup setup, bool threads = false) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [setup](benchmark::State& st) {
    try {
      setup(st);
    } catch (const std::exception& e) {
      st.SkipWithError(e.what());
    }
  });
  b->UseRealTime();
  if (threads) b->Threads(1)->Threads(2);
}

constexpr std::size_t kRecordSizes[] = {256, 1024, 16384};
constexpr std::size_t kTls13RecordSizes[] = {256, 16384};
constexpr int kRecordBlock = 16;  // a few µs to a few hundred µs per block
constexpr int kKeysBlock = 4;
constexpr int kHandshakeBlock = 1;

}  // namespace

void register_paired(const std::string& token) {
  for (DWORD suite : {kGcm128, kCbc256}) {
    const std::string op = suite == kGcm128 ? "keys_aes128gcm" : "keys_aes256cbc";
    reg(token + "/" + op + "/paired", [token, suite](benchmark::State& st) {
      BenchToken& t = BenchToken::get(token);
      const SuiteKeys& k = t.keys(suite);
      auto session = t.open_session();
      provider_session_keys(t, k);  // warm: the pool has this thread's session
      run_paired(st, [&] { provider_session_keys(t, k); },
                 [&] { floor_session_keys(t, session->handle(), k); }, kKeysBlock);
    }, true);
  }
  reg(token + "/master_p256/paired", [token](benchmark::State& st) {
    BenchToken& t = BenchToken::get(token);
    const SuiteKeys& k = t.keys(kGcm128);
    auto session = t.open_session();
    run_paired(st, [&] { provider_master_key(t, k); }, [&] { floor_master_key(t, session->handle(), k); },
               kHandshakeBlock);
  });
  reg(token + "/schedule_p256/paired", [token](benchmark::State& st) {
    BenchToken& t = BenchToken::get(token);
    const SuiteKeys& k = t.keys(kGcm128);
    auto session = t.open_session();
    run_paired(st, [&] { provider_server_schedule(t, k); },
               [&] { floor_server_schedule(t, session->handle(), k); }, kHandshakeBlock);
  });
  reg(token + "/tls13_1rtt_p256/paired", [token](benchmark::State& st) {
    BenchToken& t = BenchToken::get(token);
    const Tls13Keys& k = tls13_keys(t);
    auto session = t.open_session();
    provider_tls13_schedule(t, k);  // warm: the pool's session and the zeros object exist
    run_paired(st, [&] { provider_tls13_schedule(t, k); },
               [&] { floor_tls13_schedule(t, session->handle(), k); }, kHandshakeBlock);
  });
  // TLS 1.3 records (bench/tls13_records.h): `size` bytes of content plus the inner type.
  for (std::size_t size : kTls13RecordSizes) {
    const std::string n = std::to_string(size);
    reg(token + "/tls13_encrypt_" + n + "/paired", [token, size](benchmark::State& st) {
      BenchToken& t = BenchToken::get(token);
      const Tls13Keys& k = tls13_keys(t);
      const Handle key = provider_tls13_record_key(t, k);
      auto session = t.open_session();
      auto floor_key = floor_tls13_record_key(t, session->handle(), k);
      std::vector<std::uint8_t> inner(size + kInnerTypeBytes, 0x5a), record(size + 64), out(size + 64);
      std::uint64_t provider_seq = 0, floor_seq = 0;
      provider_tls13_encrypt(t, key.get(), provider_seq++, inner, record);
      run_paired(st, [&] { provider_tls13_encrypt(t, key.get(), provider_seq++, inner, record); },
                 [&] { floor_tls13_encrypt(*floor_key, floor_seq++, inner, out); }, kRecordBlock);
      floor_key.reset();  // before its session closes
    });
    reg(token + "/tls13_decrypt_" + n + "/paired", [token, size](benchmark::State& st) {
      BenchToken& t = BenchToken::get(token);
      const Tls13Keys& k = tls13_keys(t);
      const Handle key = provider_tls13_record_key(t, k);
      auto session = t.open_session();
      auto floor_key = floor_tls13_record_key(t, session->handle(), k);
      std::vector<std::uint8_t> inner(size + kInnerTypeBytes, 0x5a), record(size + 64), sealed(size + 64),
          back(size + 64);
      record.resize(provider_tls13_encrypt(t, key.get(), 7, inner, record));
      sealed.resize(floor_tls13_encrypt(*floor_key, 7, inner, sealed));
      run_paired(st, [&] { provider_tls13_decrypt(t, key.get(), 7, record, back); },
                 [&] { floor_tls13_decrypt(*floor_key, 7, sealed, back); }, kRecordBlock);
      floor_key.reset();
    });
  }
  for (std::size_t size : kRecordSizes) {
    const std::string n = std::to_string(size);
    reg(token + "/encrypt_" + n + "/paired", [token, size](benchmark::State& st) {
      BenchToken& t = BenchToken::get(token);
      const ProviderRecordKeys keys = provider_record_keys(t);
      auto session = t.open_session();
      auto floor_key = floor_record_key(t, session->handle());
      std::vector<std::uint8_t> plain(size, 0x5a), record(size + 64), out(size + 64);
      std::uint64_t provider_seq = 0, floor_seq = 0;
      provider_encrypt(t, keys, provider_seq++, plain, record);
      run_paired(st, [&] { provider_encrypt(t, keys, provider_seq++, plain, record); },
                 [&] { floor_encrypt(*floor_key, floor_seq++, plain, out); }, kRecordBlock);
      floor_key.reset();  // before its session closes
    }, true);
    reg(token + "/decrypt_" + n + "/paired", [token, size](benchmark::State& st) {
      BenchToken& t = BenchToken::get(token);
      const ProviderRecordKeys keys = provider_record_keys(t);
      auto session = t.open_session();
      auto floor_key = floor_record_key(t, session->handle());
      std::vector<std::uint8_t> plain(size, 0x5a), record(size + 64), sealed(size + 64), back(size + 64);
      record.resize(provider_encrypt(t, keys, 7, plain, record));
      sealed.resize(floor_encrypt(*floor_key, 7, plain, sealed));
      run_paired(st, [&] { provider_decrypt(t, keys, 7, record, back); },
                 [&] { floor_decrypt(*floor_key, 7, sealed, back); }, kRecordBlock);
      floor_key.reset();
    }, true);
  }
}

}  // namespace sslp11::bench
