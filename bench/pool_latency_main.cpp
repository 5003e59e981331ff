// sslp11_pool_latency: the latency-bound throughput figure of issue 17. One
// SoftHSM token behind the test rig (tests/faults/fault_shim.cpp), which
// sleeps a fixed time before every call that reaches the token -- a network
// HSM -- and TLS 1.2 server key schedules (bench/operations.h (3), the same
// operation as sslp11_bench's schedule_p256) through the Ssl* API at several
// thread counts, with the token's session pool large enough for all threads.
// Prints schedules/s, the ideal (threads x the one-thread rate) and their
// ratio; a ratio well under 1 with the rig's peak of calls in flight near the
// thread count means the machine's cores, not sslp11, ran out (CPU ms per
// schedule is printed beside it).
//
//   sslp11_pool_latency [--latency-us=200] [--threads=1,4,16,32] [--seconds=3] [--pool-size=32]
//
// scripts/bench.sh pool-latency builds a Release tree and runs it.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/operations.h"
#include "bench/pool_rig.h"
#include "faults/support/rig_instance.h"

using namespace sslp11;
using namespace sslp11::bench;

namespace {

struct Options {
  unsigned long latency_us = 200;
  std::vector<int> threads{1, 4, 16, 32};
  double seconds = 3.0;
  int pool_size = 32;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      const std::size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? argv[i] + n : nullptr;
    };
    if (const char* v = value("--latency-us=")) {
      o.latency_us = std::strtoul(v, nullptr, 10);
    } else if (const char* v = value("--threads=")) {
      o.threads = parse_int_list(v);
    } else if (const char* v = value("--seconds=")) {
      o.seconds = std::strtod(v, nullptr);
    } else if (const char* v = value("--pool-size=")) {
      o.pool_size = std::atoi(v);
    } else {
      std::fprintf(stderr, "usage: %s [--latency-us=N] [--threads=1,4,16,32] [--seconds=S] [--pool-size=N]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  return o;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Run {
  double per_second = 0;
  double cpu_ms_per_schedule = 0;
  long peak_in_flight = 0;
};

// `threads` threads, each warmed (its pooled session exists), then all run
// schedules for `seconds`.
Run measure(BenchToken& t, const faults::RigInstance& rig, int threads, double seconds) {
  const SuiteKeys& k = t.keys(kGcm128);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false}, stop{false};
  std::atomic<long> done{0};
  std::atomic<bool> failed{false};
  std::vector<std::jthread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      try {
        provider_server_schedule(t, k);
        ready.fetch_add(1);
        while (!go.load()) std::this_thread::yield();
        long n = 0;
        while (!stop.load(std::memory_order_relaxed)) {
          provider_server_schedule(t, k);
          ++n;
        }
        done.fetch_add(n);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "schedule failed: %s\n", e.what());
        failed = true;
        ready.fetch_add(1);
      }
    });
  }
  while (ready.load() < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  rig.reset_peak();
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  pool.clear();  // joins
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (failed) std::exit(1);
  Run r;
  r.per_second = static_cast<double>(done.load()) / wall;
  r.cpu_ms_per_schedule = done.load() > 0 ? (cpu_seconds() - cpu0) * 1e3 / static_cast<double>(done.load()) : 0;
  r.peak_in_flight = rig.peak_in_flight();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const faults::RigInstance rig("pool-latency");
  const test::TokenSpec spec = rig.member(test::TestTokens::softhsm(), /*own_module_copy=*/false,
                                          "latency-us=" + std::to_string(o.latency_us));
  BenchToken& t = BenchToken::get("softhsm-rig", spec, "pool-size = " + std::to_string(o.pool_size));
  provider_server_schedule(t, t.keys(kGcm128));  // set-up and this thread's session outside the count
  const unsigned long calls0 = rig.total_calls();
  provider_server_schedule(t, t.keys(kGcm128));
  const unsigned long calls = rig.total_calls() - calls0;

  std::printf("TLS 1.2 server key schedules (ECDHE P-256, AES-128-GCM) on SoftHSM behind the rig: %lu us per token "
              "call, %lu calls per schedule, pool-size %d, %.1f s per point, %u CPUs\n",
              o.latency_us, calls, o.pool_size, o.seconds, std::thread::hardware_concurrency());
  std::printf("%8s %14s %14s %7s %16s %15s\n", "threads", "schedules/s", "ideal", "ratio", "peak in flight",
              "CPU ms/schedule");
  double one = 0;
  for (int threads : o.threads) {
    const Run r = measure(t, rig, threads, o.seconds);
    if (threads == 1 || one == 0) one = r.per_second / threads;
    const double ideal = one * threads;
    std::printf("%8d %14.1f %14.1f %7.2f %16ld %15.3f\n", threads, r.per_second, ideal,
                ideal > 0 ? r.per_second / ideal : 0.0, r.peak_in_flight, r.cpu_ms_per_schedule);
    std::fflush(stdout);
  }
  return 0;
}
