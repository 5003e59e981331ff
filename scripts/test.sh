#!/usr/bin/env bash
# The test command: install dependencies, build, and run the whole suite
# against throwaway SoftHSMv2 and NSS-softoken tokens, then again under
# AddressSanitizer+UndefinedBehaviorSanitizer, then the concurrency tests
# under ThreadSanitizer. Exits non-zero if anything fails.
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

if [ "$quick" = 1 ]; then exit 0; fi

scripts/build.sh asan
echo "== tests (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

scripts/build.sh tsan
echo "== tests (TSan, concurrency label)"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan --output-on-failure -j "$jobs" -L concurrency
