#!/usr/bin/env bash
# End-to-end TLS 1.3 handshakes/s (issue 15): per token, `sslp11-tls soak`
# (every secret on the token) and `openssl s_time -new` (all in software)
# against the same `openssl s_server -tls1_3 -rev` on a free loopback port,
# one after the other in the same run, both TLS_AES_128_GCM_SHA256 with a
# P-256 key share and the server's RSA-2048 certificate verified; prints both
# rates, their ratio and the token's own P-256 key-pair rate (sslp11_bench's
# keygen floor: the bound for the ECDHE part of a handshake on the token).
#   scripts/bench-handshakes.sh [--tokens softhsm,nss] [--seconds S] [--handshakes N]
#                               [--build-dir DIR] [--no-build]
# Defaults: both tokens, 10 s per client, at most 1000000 handshakes; builds a
# Release tree in build-bench/ (as scripts/bench.sh) unless --no-build, which
# takes the binaries from --build-dir as they are. Removes everything it made,
# also on failure. Exit status: 0 when every soak handshake succeeded and
# each client made at least one handshake; the rates themselves are reported,
# never judged.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/tls_peer.sh
source scripts/lib/tls_peer.sh

die() {
  printf 'bench-handshakes: %s\n' "$*" >&2
  exit 2
}

tokens=softhsm,nss seconds=10 handshakes=1000000 build=1
build_dir="${BENCH_BUILD_DIR:-$PWD/build-bench}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tokens) tokens="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --handshakes) handshakes="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "--seconds is a whole number of seconds, at least 1"

if [[ $build == 1 ]]; then
  scripts/install-deps.sh >/dev/null
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
  cmake --build "$build_dir" --parallel "$(nproc)" --target sslp11_bench sslp11-tls
fi
tls="$build_dir/src/tls/sslp11-tls"
bench="$build_dir/bench/sslp11_bench"
[[ -x $tls ]] || die "$tls was not built"
[[ -x $bench ]] || die "$bench was not built"

work="$(mktemp -d "${TMPDIR:-/tmp}/sslp11-bench-hs-XXXXXX")"
server_pid=""
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  sslp11_stop_s_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# s_time has no -groups: its key share comes from the configuration, as for
# any OpenSSL application. P-256 only, as the token client offers, so neither
# client gets a HelloRetryRequest and both do the same ECDHE.
cat > "$work/openssl-p256.cnf" <<'CNF'
openssl_conf = sslp11_bench
[sslp11_bench]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Groups = P-256
CNF

echo "== machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'); load: $(uptime | sed 's/.*load average: //')"
sslp11_server_pki
sslp11_s_server_versions=(-tls1_3)
summary=()
status=0
IFS=, read -r -a token_list <<< "$tokens"
for token in "${token_list[@]}"; do
  case "$token" in
    softhsm) sslp11_softhsm_token "sslp11-bench-hs" ;;
    nss) sslp11_nss_token ;;
    *) die "unknown token $token (softhsm or nss)" ;;
  esac
  echo
  echo "== token: $token ($module)"
  # A fresh server per token: one process for both clients of this token.
  sslp11_start_s_server -groups P-256 -ciphersuites TLS_AES_128_GCM_SHA256
  echo "== openssl s_server -tls1_3 -rev (pid $server_pid) on 127.0.0.1:$port"

  soak_log="$work/soak-$token.log"
  set +e
  "$tls" soak --connect "127.0.0.1:$port" --servername localhost --cafile "$work/ca.pem" \
    --suite TLS_AES_128_GCM_SHA256 --handshakes "$handshakes" --seconds "$seconds" --progress 0 >"$soak_log" 2>&1
  soak_status=$?
  set -e
  cat "$soak_log"
  soak_rate="$(sed -n 's/^soak: .* s: \([0-9.]*\) handshakes\/s.*/\1/p' "$soak_log")"
  if [[ $soak_status != 0 || -z $soak_rate ]]; then
    echo "!! sslp11-tls soak failed on $token (status $soak_status)"
    status=1
  fi

  # s_time counts whole seconds of wall time (time(2)) and stops at a second
  # boundary: its own "real seconds" is up to a second off, so the wall time
  # is taken here around the process (its start-up, a few ms, is included).
  stime_log="$work/s_time-$token.log"
  started="$(date +%s.%N)"
  OPENSSL_CONF="$work/openssl-p256.cnf" openssl s_time -connect "127.0.0.1:$port" -new -tls1_3 \
    -ciphersuites TLS_AES_128_GCM_SHA256 -CAfile "$work/ca.pem" -verify 2 -time "$seconds" >"$stime_log" 2>&1 || true
  ended="$(date +%s.%N)"
  grep -E 'connections' "$stime_log" || true
  # "N connections in T real seconds, B bytes read per connection"
  stime_rate="$(awk -v t="$(awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }')" \
    '/connections in .* real seconds/ { if ($1 > 0 && t > 0) printf "%.1f", $1 / t }' "$stime_log")"
  [[ -z $stime_rate ]] || echo "s_time: ${stime_rate} handshakes/s over $(awk -v a="$started" -v b="$ended" \
    'BEGIN { printf "%.2f", b - a }') s of wall time"
  if [[ -z $stime_rate ]]; then
    echo "!! openssl s_time made no connection on $token"
    tail -5 "$stime_log"
    status=1
  fi
  sslp11_stop_s_server
  server_pid=""

  # The token's P-256 key pairs per second (sslp11_bench makes its own
  # throwaway token of the same module).
  keygen_log="$work/keygen-$token.log"
  "$bench" --tokens="$token" --benchmark_filter="^$token/keygen_p256/floor" --benchmark_min_time="$(
    [[ $seconds -ge 5 ]] && echo 1 || echo 0.05)" >"$keygen_log" 2>&1 || true
  keygen_rate="$(sed -n "s/^$token *keygen floor: \([0-9]*\) P-256 key pairs\/s.*/\1/p" "$keygen_log")"
  [[ -n $keygen_rate ]] || { echo "!! no keygen rate on $token"; tail -5 "$keygen_log"; status=1; }

  ratio="$(awk -v a="${soak_rate:-0}" -v b="${stime_rate:-0}" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')"
  summary+=("$(printf '%-8s %14s %14s %7s %16s' "$token" "${soak_rate:--}" "${stime_rate:--}" "$ratio" \
    "${keygen_rate:--}")")
done

echo
echo "== TLS 1.3 full handshakes/s, TLS_AES_128_GCM_SHA256, P-256, ${seconds} s per client, one client at a time"
printf '%-8s %14s %14s %7s %16s\n' token sslp11-tls/s s_time/s ratio "keygen floor/s"
printf '%s\n' "${summary[@]}"
echo "== load after: $(uptime | sed 's/.*load average: //')"
exit "$status"
