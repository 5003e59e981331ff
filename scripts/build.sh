#!/usr/bin/env bash
# Configure and build one flavour of sslp11.
#   scripts/build.sh [default|asan|tsan] [extra cmake args...]
# Build trees: build/ (default), build-asan/, build-tsan/.
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-default}"
shift || true
case "$flavour" in
  default) dir=build; flags=() ;;
  asan) dir=build-asan; flags=(-DSSLP11_ASAN=ON) ;;
  tsan) dir=build-tsan; flags=(-DSSLP11_TSAN=ON) ;;
  *) echo "usage: $0 [default|asan|tsan] [cmake args...]" >&2; exit 2 ;;
esac

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
echo "== build ($flavour) in $dir"
cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DSSLP11_WERROR=ON "${flags[@]}" "$@" >/dev/null
cmake --build "$dir" --parallel "$(nproc)"
