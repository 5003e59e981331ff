#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang into build-fuzz/ and
# runs each for SECONDS (default 30) on a copy of its seed corpus, so the
# corpus in the repository never grows by itself. Fails (exit 1) on any crash,
# leak, sanitizer report or timeout, and prints per target the executions and
# executions per second libFuzzer reports (-print_final_stats=1).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Findings are left in build-fuzz/fuzz-out/<target>/ (crash-*, leak-*, the log).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
shift || true
all_targets=(fuzz_config fuzz_tls_messages fuzz_cli_parsers fuzz_import_key fuzz_decrypt_packet fuzz_buffer_desc)
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")

# The largest input worth mutating, per target: a config file, a handshake
# message with a certificate chain, a key or certificate file, a key blob
# (RSA 16384-bit public blob), a record (2^14 + 2048 + header + selector
# bytes), a parameter list with a few buffers.
declare -A max_len=(
  [fuzz_config]=4096 [fuzz_tls_messages]=8192 [fuzz_cli_parsers]=8192
  [fuzz_import_key]=4200 [fuzz_decrypt_packet]=18500 [fuzz_buffer_desc]=2048
)

build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ CCACHE_NOHASHDIR=1 CCACHE_DIR="${CCACHE_DIR:-/tmp/ccache}" cmake -S . -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug -DSSLP11_WERROR=ON -DSSLP11_FUZZ=ON -DSSLP11_BUILD_TESTS=OFF -DSSLP11_BUILD_BENCH=OFF \
    $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
CCACHE_NOHASHDIR=1 CCACHE_DIR="${CCACHE_DIR:-/tmp/ccache}" cmake --build "$build" --parallel "${FUZZ_BUILD_JOBS:-2}" \
  --target "${targets[@]}"

# intercept_tls_get_addr=0 as in scripts/test.sh (a sanitizer-runtime bug, not ours).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:intercept_tls_get_addr=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

failed=()
printf '%-22s %8s %14s %10s %s\n' target seconds executions exec/s result > "$build/fuzz-summary.txt"
for t in "${targets[@]}"; do
  out="$build/fuzz-out/$t"
  rm -rf "$out"
  mkdir -p "$out/corpus"
  cp -r "tests/fuzz/corpus/$t/." "$out/corpus/" 2>/dev/null || true
  dict=()
  [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
  echo "== $t: ${seconds}s"
  status=0
  "$build/tests/fuzz/$t" "$out/corpus" "${dict[@]}" -max_total_time="$seconds" -max_len="${max_len[$t]:-4096}" \
    -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$out/" >"$out/log" 2>&1 || status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/log" | tail -1)"
  result=ok
  if [ "$status" -ne 0 ] || compgen -G "$out/crash-*" >/dev/null || compgen -G "$out/leak-*" >/dev/null ||
     compgen -G "$out/timeout-*" >/dev/null || compgen -G "$out/oom-*" >/dev/null; then
    result="FAILED (exit $status; see $out/log)"
    failed+=("$t")
    tail -40 "$out/log"
  fi
  printf '%-22s %8s %14s %10s %s\n' "$t" "$seconds" "${execs:-?}" "${rate:-?}" "$result" | tee -a "$build/fuzz-summary.txt"
done
echo "== fuzz summary"
cat "$build/fuzz-summary.txt"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
