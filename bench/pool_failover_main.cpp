// sslp11_pool_failover: the failover figure of issue 17. Three SoftHSM
// members behind the test rig (bench/pool_rig.h) in one [pool.farm]; `threads`
// threads run full TLS 1.2 server key schedules (every key kept until the
// schedule ends) for `seconds`; at --fail-at member m2's rig answers every
// call with CKR_DEVICE_REMOVED (the HSM went away), at --recover-at it
// answers again and the pool's probe lets it back in.
//
// Every schedule is recorded: start and end time, the member its ephemeral
// key reached (the rigs' per-thread call counters), success or the call that
// failed, and its longest single Ssl* call. Printed: per second completed,
// failed and completed by member (also as CSV with --csv), then the targets:
//   - only schedules holding keys on m2 at the failure failed (both counted);
//   - no schedule started after the failure was detected failed;
//   - the longest single Ssl* call, against --call-limit-ms;
//   - throughput back to >= 2/3 of before within 1 s of the failure, m2 taking
//     work again within 2 probe intervals of its recovery and throughput back
//     to full (>= 0.9 of before) after that;
//   - no token object left behind on any member (raw C_FindObjects counts,
//     before the load and after it).
// Exit status 1 when a correctness target (the first two, the last) misses;
// the timing targets are printed, not asserted (the smoke test runs a few
// seconds on a loaded machine).
//
//   sslp11_pool_failover [--seconds=30] [--fail-at=10] [--recover-at=20] [--threads=8]
//                        [--probe-ms=500] [--policy=least-outstanding] [--call-limit-ms=1000] [--csv=FILE]
//
// scripts/bench.sh pool-failover runs it (and draws the PNG when gnuplot is there).
#include <sslp11/winerror.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/pool_rig.h"
#include "pkcs11/cryptoki.h"

using namespace sslp11;
using namespace sslp11::bench;

namespace {

constexpr int kFailing = 1;  // m2

struct Options {
  double seconds = 30, fail_at = 10, recover_at = 20;
  int threads = 8;
  int probe_ms = 500;
  std::string policy = "least-outstanding";
  double call_limit_ms = 1000;
  std::string csv;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    if (const char* v = flag_value(argv[i], "--seconds=")) {
      o.seconds = std::strtod(v, nullptr);
    } else if (const char* v = flag_value(argv[i], "--fail-at=")) {
      o.fail_at = std::strtod(v, nullptr);
    } else if (const char* v = flag_value(argv[i], "--recover-at=")) {
      o.recover_at = std::strtod(v, nullptr);
    } else if (const char* v = flag_value(argv[i], "--threads=")) {
      o.threads = std::atoi(v);
    } else if (const char* v = flag_value(argv[i], "--probe-ms=")) {
      o.probe_ms = std::atoi(v);
    } else if (const char* v = flag_value(argv[i], "--policy=")) {
      o.policy = v;
    } else if (const char* v = flag_value(argv[i], "--call-limit-ms=")) {
      o.call_limit_ms = std::strtod(v, nullptr);
    } else if (const char* v = flag_value(argv[i], "--csv=")) {
      o.csv = v;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seconds=30] [--fail-at=10] [--recover-at=20] [--threads=8] [--probe-ms=500] "
                   "[--policy=least-outstanding] [--call-limit-ms=1000] [--csv=FILE]\n",
                   argv[0]);
      std::exit(2);
    }
  }
  if (!(0 < o.fail_at && o.fail_at < o.recover_at && o.recover_at < o.seconds) || o.threads < 1) {
    std::fprintf(stderr, "need 0 < fail-at < recover-at < seconds and threads >= 1\n");
    std::exit(2);
  }
  return o;
}

struct Record {
  double start = 0, end = 0;  // s since the load began
  int member = -1;
  bool ok = false;
  const char* failed_call = nullptr;
  SECURITY_STATUS status = 0;
  double longest_call_ms = 0;
};

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void sleep_until(Clock::time_point t0, double s) {
  std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)));
}

const char* verdict(bool ok) { return ok ? "MEETS" : "MISSES"; }

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const PoolRig pool("policy = " + o.policy + "\nprobe-interval = " + std::to_string(o.probe_ms) + "\n");
  const std::vector<std::uint8_t> client = client_public_blob(pool.provider());
  const std::vector<std::size_t> objects_before = pool.object_counts();

  std::mutex records_mutex;
  std::vector<Record> records;
  std::atomic<bool> stop{false};
  double failed_at = o.fail_at;
  const auto t0 = Clock::now();
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < o.threads; ++i) {
      threads.emplace_back([&] {
        std::vector<Record> mine;
        while (!stop.load(std::memory_order_relaxed)) {
          Record r;
          r.start = since(t0);
          std::optional<FullSchedule> s(std::in_place, pool, client);
          try {
            s->run(kFailing);
            r.ok = true;
          } catch (const FullSchedule::Failed& f) {
            r.failed_call = f.call;
            r.status = f.status;
          }
          r.end = since(t0);
          r.member = s->member();
          r.longest_call_ms = s->longest_call_ms();
          // The schedule's keys are freed together (each SslFreeObject is a
          // call too: the whole batch must stay under the limit as well).
          const auto freeing = Clock::now();
          s.reset();
          r.longest_call_ms =
              std::max(r.longest_call_ms, std::chrono::duration<double, std::milli>(Clock::now() - freeing).count());
          mine.push_back(r);
        }
        const std::lock_guard lock(records_mutex);
        records.insert(records.end(), mine.begin(), mine.end());
      });
    }
    sleep_until(t0, o.fail_at);
    pool.rig(kFailing).fail_all(CKR_DEVICE_REMOVED);
    failed_at = since(t0);  // the moment itself, a little after the nominal one
    sleep_until(t0, o.recover_at);
    pool.rig(kFailing).recover();
    sleep_until(t0, o.seconds);
    stop = true;
  }  // joins

  // ---- per second ----------------------------------------------------------
  const int buckets = static_cast<int>(std::ceil(o.seconds));
  struct Second {
    long completed = 0, failed = 0;
    std::array<long, PoolRig::kMembers> by_member{};
  };
  std::vector<Second> per(static_cast<std::size_t>(buckets));
  for (const Record& r : records) {
    Second& b = per[static_cast<std::size_t>(std::clamp(static_cast<int>(r.end), 0, buckets - 1))];
    if (!r.ok) {
      ++b.failed;
    } else {
      ++b.completed;
      if (r.member >= 0) ++b.by_member[static_cast<std::size_t>(r.member)];
    }
  }
  std::printf("pool failover: %d threads of full TLS 1.2 server schedules for %.0f s, policy %s, probe-interval "
              "%d ms; m2 answers CKR_DEVICE_REMOVED from %.1f s to %.1f s; %u CPUs\n",
              o.threads, o.seconds, o.policy.c_str(), o.probe_ms, o.fail_at, o.recover_at,
              std::thread::hardware_concurrency());
  std::printf("%6s %10s %7s %7s %7s %7s\n", "second", "completed", "failed", "m1", "m2", "m3");
  std::FILE* csv = o.csv.empty() ? nullptr : std::fopen(o.csv.c_str(), "w");
  if (csv != nullptr) std::fprintf(csv, "second,completed,failed,m1,m2,m3\n");
  for (int i = 0; i < buckets; ++i) {
    const Second& b = per[static_cast<std::size_t>(i)];
    std::printf("%6d %10ld %7ld %7ld %7ld %7ld\n", i, b.completed, b.failed, b.by_member[0], b.by_member[1],
                b.by_member[2]);
    if (csv != nullptr) {
      std::fprintf(csv, "%d,%ld,%ld,%ld,%ld,%ld\n", i, b.completed, b.failed, b.by_member[0], b.by_member[1],
                   b.by_member[2]);
    }
  }
  if (csv != nullptr) std::fclose(csv);

  // ---- targets -------------------------------------------------------------
  long failed = 0, failed_on_m2_in_flight = 0, in_flight_on_m2 = 0, unattributed = 0, failed_after_detection = 0;
  double detection = o.seconds, longest = 0, m2_back = -1;
  for (const Record& r : records) {
    if (!r.ok) detection = std::min(detection, r.end);
  }
  for (const Record& r : records) {
    longest = std::max(longest, r.longest_call_ms);
    if (r.member < 0) ++unattributed;
    const bool held_m2_at_failure = r.member == kFailing && r.start < failed_at && r.end >= failed_at;
    if (held_m2_at_failure) ++in_flight_on_m2;
    if (!r.ok) {
      ++failed;
      if (held_m2_at_failure) ++failed_on_m2_in_flight;
      if (r.start > detection) ++failed_after_detection;
    }
    if (r.ok && r.member == kFailing && r.start >= o.recover_at && (m2_back < 0 || r.start < m2_back)) {
      m2_back = r.start;
    }
  }
  // Throughput before the failure: whole seconds from 1 (the first warms up)
  // up to the failure.
  double before = 0;
  int n_before = 0;
  for (int i = o.fail_at >= 2 ? 1 : 0; i + 1 <= static_cast<int>(o.fail_at); ++i, ++n_before) {
    before += static_cast<double>(per[static_cast<std::size_t>(i)].completed);
  }
  before = n_before > 0 ? before / n_before : 0;
  // Rates over part-seconds: the first second after the failure and the
  // second after m2 is back in, both as schedules/s.
  auto rate = [&](double from, double to) {
    long n = 0;
    for (const Record& r : records) n += r.ok && r.end >= from && r.end < to ? 1 : 0;
    return to > from ? static_cast<double>(n) / (to - from) : 0.0;
  };
  const double after_failure = rate(o.fail_at, std::min(o.fail_at + 1, o.recover_at));
  const double back_at = m2_back >= 0 ? m2_back : o.recover_at + 2.0 * o.probe_ms / 1000;
  const double after_rejoin = rate(back_at, std::min(back_at + 1, o.seconds));
  const bool m2_in_time = m2_back >= 0 && m2_back - o.recover_at <= 2.0 * o.probe_ms / 1000;

  const std::vector<std::size_t> objects_after = pool.object_counts();
  const bool no_leak = objects_after == objects_before;
  const bool only_m2 = failed == failed_on_m2_in_flight;

  std::printf("\nschedules: %zu, failed: %ld, not attributable to one member: %ld\n", records.size(), failed,
              unattributed);
  std::printf("[%s] only schedules holding keys on m2 at the failure failed: %ld failed = %ld failed of the %ld "
              "in flight on m2 at %.3f s\n",
              verdict(only_m2), failed, failed_on_m2_in_flight, in_flight_on_m2, failed_at);
  std::printf("[%s] no schedule started after the failure was detected (first failure at %.3f s) failed: %ld\n",
              verdict(failed_after_detection == 0), detection, failed_after_detection);
  std::printf("[%s] longest single Ssl* call (a schedule's frees counted as one): %.1f ms, limit %.0f ms (this run "
              "sets no call-timeout on the pool: the limit is this program's)\n",
              verdict(longest <= o.call_limit_ms), longest, o.call_limit_ms);
  std::printf("[%s] throughput within 1 s of the failure: %.0f/s against %.0f/s before (>= 2/3)\n",
              verdict(after_failure >= before * 2 / 3), after_failure, before);
  if (m2_back >= 0) {
    std::printf("[%s] m2 took new work %.0f ms after its recovery (2 probe intervals: %d ms)\n", verdict(m2_in_time),
                (m2_back - o.recover_at) * 1000, 2 * o.probe_ms);
  } else {
    std::printf("[MISSES] m2 took no new work after its recovery\n");
  }
  std::printf("[%s] throughput in the second after m2 is back: %.0f/s against %.0f/s before (>= 0.9)\n",
              verdict(after_rejoin >= before * 0.9), after_rejoin, before);
  std::printf("[%s] token objects per member before/after the load:", verdict(no_leak));
  for (std::size_t i = 0; i < objects_after.size(); ++i) {
    std::printf("%s %s %zu/%zu", i == 0 ? "" : ",", pool.member(static_cast<int>(i)).name.c_str(), objects_before[i],
                objects_after[i]);
  }
  std::printf("\n");
  return only_m2 && failed_after_detection == 0 && no_leak && unattributed == 0 ? 0 : 1;
}
