#!/usr/bin/env bash
# The one command for the RSA key-exchange timing test: builds the Release
# tree scripts/bench.sh uses (build-bench/) and runs sslp11_rsa_timing, a
# dudect-style test of whether a bad ClientKeyExchange (bad PKCS#1 padding,
# wrong length, wrong version) takes a different time in SslImportMasterKey
# than a good one, on throwaway SoftHSMv2 and NSS-softoken tokens, next to the
# raw PKCS#11 sequence the provider makes for it. Prints per token the medians
# and the Welch |t| per pair of classes (PASS below 4.5, else LEAK), and one
# RSA_TIMING_JSON line with the same numbers.
#
#   scripts/rsa-timing.sh                          # 4000 samples per class, both tokens (a few minutes)
#   scripts/rsa-timing.sh --samples 20000 --token nss
#   scripts/rsa-timing.sh --samples 50 -- --seed=1 # anything after -- goes to sslp11_rsa_timing
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build-bench}"
samples=4000
tokens="softhsm,nss"
extra=()

usage() { sed -n '2,13p' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --samples) samples="${2:?--samples needs a number}"; shift 2 ;;
    --samples=*) samples="${1#*=}"; shift ;;
    --token) tokens="${2:?--token needs softhsm, nss or both}"; shift 2 ;;
    --token=*) tokens="${1#*=}"; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$tokens" in
  both) tokens="softhsm,nss" ;;
  softhsm|nss) ;;
  *) echo "--token must be softhsm, nss or both" >&2; exit 2 ;;
esac

"$root/scripts/install-deps.sh" >/dev/null
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target sslp11_rsa_timing

echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'); load: $(uptime | sed 's/.*load average: //')"
"$build/bench/sslp11_rsa_timing" --samples="$samples" --tokens="$tokens" "${extra[@]}"
echo "== load after: $(uptime | sed 's/.*load average: //')"
