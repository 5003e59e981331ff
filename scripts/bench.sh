#!/usr/bin/env bash
# Issue 7's one command: build a Release tree (build-bench/) and measure the
# provider against the raw PKCS#11 floor on throwaway SoftHSMv2 and NSS-softoken
# tokens, then the 1,000,000-cycle memory check. Prints Google Benchmark's
# per-run lines, then the table of ratios with MEETS/MISSES per target,
# absolute ops/s and PKCS#11 calls per operation side by side.
#
#   scripts/bench.sh                       # everything (about 10 minutes on 2 cores)
#   MEMORY_CYCLES=0 MEMORY_FLOOR_CYCLES=0 scripts/bench.sh   # ratios only
#   BENCH_PASSES=3 BENCH_MIN_TIME=0.1 MEMORY_CYCLES=100000 scripts/bench.sh   # quicker
#   scripts/bench.sh --benchmark_filter=nss/encrypt --tokens=nss   # extra flags go to sslp11_bench
#
# Issue 17's latency-bound throughput (docs/performance.md, "Latency-bound
# throughput (one slow member)"): TLS 1.2 server key schedules on one SoftHSM
# token behind the test rig, 200 us per token call, at 1, 4, 16, 32 threads:
#   scripts/bench.sh pool-latency [--latency-us=200 --threads=1,4,16,32 --seconds=3 --pool-size=32]
#
# Issue 17's balance and failover figures (docs/pools.md): three SoftHSM
# members behind the test rig in one pool, 8 threads of full TLS 1.2 server
# key schedules.
#   scripts/bench.sh pool-balance    # weighted 1:2:3, then least-outstanding [--schedules=600 --threads=8]
#   scripts/bench.sh pool-failover   # 30 s, m2 fails at 10 s, back at 20 s [--seconds= --fail-at= --recover-at=
#                                    #   --threads= --probe-ms=500 --policy=]; CSV and, when gnuplot is on PATH,
#                                    #   a PNG timeline: $POOL_FAILOVER_OUT (default build-bench/pool-failover).{csv,png}
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build-bench}"
reps="${BENCH_PASSES:-5}"
min_time="${BENCH_MIN_TIME:-0.2}"
cycles="${MEMORY_CYCLES:-1000000}"
memory_tokens="${MEMORY_TOKENS:-nss,softhsm}"
floor_cycles="${MEMORY_FLOOR_CYCLES:-200000}"

"$root/scripts/install-deps.sh" >/dev/null
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BENCH_BUILD_TYPE:-Release}" "${launcher[@]}" >/dev/null
if [ "${1:-}" = pool-latency ]; then
  shift
  cmake --build "$build" --parallel "$(nproc)" --target sslp11_pool_latency
  echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'); load: $(uptime | sed 's/.*load average: //')"
  "$build/bench/sslp11_pool_latency" "$@"
  echo "== load after: $(uptime | sed 's/.*load average: //')"
  exit 0
fi
if [ "${1:-}" = pool-balance ]; then
  shift
  cmake --build "$build" --parallel "$(nproc)" --target sslp11_pool_balance
  echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'); load: $(uptime | sed 's/.*load average: //')"
  "$build/bench/sslp11_pool_balance" --policy=weighted --weights=1,2,3 "$@"
  echo
  "$build/bench/sslp11_pool_balance" --policy=least-outstanding "$@"
  echo "== load after: $(uptime | sed 's/.*load average: //')"
  exit 0
fi
if [ "${1:-}" = pool-failover ]; then
  shift
  out="${POOL_FAILOVER_OUT:-$build/pool-failover}"
  fail_at=10 recover_at=20
  for a in "$@"; do
    case "$a" in
      --fail-at=*) fail_at="${a#*=}" ;;
      --recover-at=*) recover_at="${a#*=}" ;;
    esac
  done
  cmake --build "$build" --parallel "$(nproc)" --target sslp11_pool_failover
  echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'); load: $(uptime | sed 's/.*load average: //')"
  status=0
  "$build/bench/sslp11_pool_failover" --csv="$out.csv" "$@" || status=$?
  echo "== load after: $(uptime | sed 's/.*load average: //')"
  echo "== per second: $out.csv"
  if command -v gnuplot >/dev/null; then
    # The timeline: completed per member stacked above the axis, failed
    # below it; m2's failed span shaded (bar i is second i).
    gnuplot <<GNUPLOT
set terminal png size 900,420 noenhanced
set output "$out.png"
set datafile separator ","
set key autotitle columnheader  # the first row names the columns
set key outside right top
set xlabel "second since the load began"
set ylabel "schedules completed per second"
set title "pool failover: m2 answers CKR_DEVICE_REMOVED in the shaded span"
set object 1 rect from $fail_at - 0.5, graph 0 to $recover_at - 0.5, graph 1 behind fc rgb "#e8e8e8" fs solid noborder
set style fill solid 0.8 border -1
set boxwidth 0.8
set style data histograms
set style histogram rowstacked
set xzeroaxis
plot "$out.csv" using 4:xtic(int(\$1) % 5 == 0 ? stringcolumn(1) : "") title "m1", \\
     "" using 5 title "m2", "" using 6 title "m3", "" using (-\$3) title "failed (below 0)" lc rgb "red"
GNUPLOT
    echo "== timeline: $out.png"
  else
    echo "== timeline PNG skipped: gnuplot is not on PATH (Debian: gnuplot-nox)"
  fi
  exit "$status"
fi
cmake --build "$build" --parallel "$(nproc)" --target sslp11_bench

echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'); load: $(uptime | sed 's/.*load average: //')"
# $reps whole passes over all pairs (provider next to its floor, so both see
# the same moment's load from other jobs on the cores); the table uses the
# medians over passes. (gbench 1.7.1's own random interleaving aborts on
# multi-threaded benchmarks, so the passes are ours.)
"$build/bench/sslp11_bench" --passes="$reps" --benchmark_min_time="$min_time" "$@"
if [ "$cycles" -gt 0 ]; then
  echo
  echo "== memory: $cycles SslGenerateSessionKeys + SslFreeObject cycles per token"
  "$build/bench/sslp11_bench" --memory-cycles="$cycles" --memory-token="$memory_tokens" || true
fi
if [ "$floor_cycles" -gt 0 ]; then
  # The same cycles made by the raw floor: growth that shows here too is the
  # token's own (SoftHSMv2 2.6.1 never frees a destroyed session object,
  # softhsm/SoftHSMv2#562), not the provider's.
  echo "== memory, raw floor: $floor_cycles cycles per token"
  "$build/bench/sslp11_bench" --memory-cycles="$floor_cycles" --memory-token="$memory_tokens" --memory-floor || true
fi
echo "== load after: $(uptime | sed 's/.*load average: //')"
