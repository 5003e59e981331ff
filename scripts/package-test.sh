#!/usr/bin/env bash
# Builds the Debian package from the tree (a release build), unpacks it into a
# scratch root and uses it from there as a user would: a C program compiled
# against the installed headers through pkg-config, the same program through
# find_package(sslp11), both run against a throwaway SoftHSM token, and the
# installed sslp11-admin (--version, doctor) and sslp11-tls (--version).
#   scripts/package-test.sh [BUILD_DIR]     (default build-package/)
set -euo pipefail
cd "$(dirname "$0")/.."
src="$PWD"
dir="${1:-build-package}"

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
echo "== package: release build in $dir"
cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_INSTALL_PREFIX=/usr -DSSLP11_BUILD_TESTS=OFF -DSSLP11_BUILD_BENCH=OFF \
  >/dev/null
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$dir/CMakeCache.txt" || { echo "not a release build by default" >&2; exit 1; }
cmake --build "$dir" --parallel "$(nproc)"
(cd "$dir" && cpack -G DEB >/dev/null)
deb="$(ls "$dir"/sslp11_*.deb)"
echo "== package: $(basename "$deb")"
dpkg-deb --field "$deb" Package Version Depends Recommends

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"
dpkg-deb -x "$deb" "$root"
libdir="$(dirname "$(find "$root" -name 'libsslp11.so.*' -type f | head -1)")"
for f in usr/bin/sslp11-admin usr/bin/sslp11-tls usr/include/sslp11/sslprovider.h usr/include/sslp11/version.h \
         usr/share/man/man1/sslp11-admin.1 usr/share/man/man1/sslp11-tls.1 usr/share/man/man5/sslp11.conf.5 \
         usr/share/bash-completion/completions/sslp11-admin usr/share/doc/sslp11/examples/softhsm2.conf; do
  [ -e "$root/$f" ] || { echo "the package lacks /$f" >&2; exit 1; }
done
[ -L "$libdir/libsslp11.so.0" ] || { echo "the package lacks the soname link libsslp11.so.0" >&2; exit 1; }
objdump -p "$libdir/libsslp11.so.0" | grep -q 'SONAME *libsslp11.so.0' || { echo "wrong soname" >&2; exit 1; }

# A throwaway SoftHSM token and a config naming it.
export SOFTHSM2_CONF="$work/softhsm2.conf"
mkdir -p "$work/tokens"
echo "directories.tokendir = $work/tokens" >"$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label package-test --so-pin 87654321 --pin 12345678 >/dev/null
export PACKAGE_TEST_PIN=12345678
export SSLP11_CONF="$work/sslp11.conf"
cat >"$SSLP11_CONF" <<CONF
[token.test]
module = /usr/lib/softhsm/libsofthsm2.so
label = package-test
pin = env:PACKAGE_TEST_PIN
CONF
export LD_LIBRARY_PATH="$libdir"

echo "== package: a C program through pkg-config"
export PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Werror "$src/tests/package/consumer.c" -o "$work/consumer" $(pkg-config --cflags --libs sslp11)
"$work/consumer"

echo "== package: the same program through find_package(sslp11)"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH
cmake -S "$src/tests/package" -B "$work/consumer-cmake" "${generator[@]}" -DCMAKE_PREFIX_PATH="$root/usr" >/dev/null
cmake --build "$work/consumer-cmake" >/dev/null
"$work/consumer-cmake/consumer"

echo "== package: the installed tools"
"$root/usr/bin/sslp11-admin" --version
"$root/usr/bin/sslp11-tls" --version
"$root/usr/bin/sslp11-admin" doctor
echo "== package: OK"
