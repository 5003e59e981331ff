#!/usr/bin/env bash
# The test command: install dependencies, build, and run the whole suite
# against throwaway SoftHSMv2 and NSS-softoken tokens; build and use the
# Debian package; run the suite again under AddressSanitizer+UndefinedBehavior-
# Sanitizer, the concurrency tests under ThreadSanitizer, and the fuzzers.
# Exits non-zero if anything fails.
#   scripts/test.sh            everything
#   scripts/test.sh --quick    the default build only
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[ "${1:-}" = "--quick" ] && quick=1

scripts/install-deps.sh
jobs="$(nproc)"

scripts/build.sh default
echo "== tests (default build)"
ctest --test-dir build --output-on-failure -j "$jobs"

# The README's first command, both ways: the main job on a throwaway token.
echo "== scripts/demo.sh (TLS 1.3) and scripts/demo.sh --tls12"
scripts/demo.sh >/dev/null
scripts/demo.sh --tls12 >/dev/null

if [ "$quick" = 1 ]; then exit 0; fi

# The Debian package: built from the tree (release), unpacked into a scratch
# root, used by a C program through pkg-config and find_package, tools run.
scripts/package-test.sh

# The stress test runs its full load (8 threads x 2,000 key schedules per
# token) in the plain build above; under the sanitizers, which slow it 5-10x,
# CI runs 8 x 250 (the full load under TSan and ASan is a manual run, see
# docs/reliability.md, "Stress and soak").
sanitizer_stress=250

# intercept_tls_get_addr=0: GCC 12's sanitizer runtime takes a dynamic TLS
# block that malloc placed 16 bytes into a page for a pre-2.25 glibc header and
# reads a bogus range from it, and LeakSanitizer's tracer then dies at exit
# after the test passed (seen in CI on the fault rig, whose thread_local lives
# in a dlopen()ed module); docs/reliability.md, "Sanitizer options".
scripts/build.sh asan
echo "== tests (ASan + UBSan)"
SSLP11_STRESS_SCHEDULES="$sanitizer_stress" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:intercept_tls_get_addr=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

scripts/build.sh tsan
echo "== tests (TSan, concurrency label)"
SSLP11_STRESS_SCHEDULES="$sanitizer_stress" TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan --output-on-failure -j "$jobs" -L concurrency

echo "== fuzzing (libFuzzer, 30 s per target)"
scripts/fuzz.sh 30
