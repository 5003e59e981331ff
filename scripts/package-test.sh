#!/usr/bin/env bash
# Builds the Debian package from the tree (a release build), unpacks it into a
# scratch root and uses it from there as README's operator guide tells a user
# to: the installed example config adapted, a throwaway SoftHSM token made and
# given a key with the installed sslp11-admin (init-token, init-pin, keygen,
# export, objects, doctor), the man pages read with man -l, a C program
# compiled against the installed headers through pkg-config and through
# find_package(sslp11), and the installed sslp11-tls (--version).
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
# grep on a here-string: `objdump | grep -q` fails under pipefail when grep
# stops reading early and objdump gets SIGPIPE.
grep -q 'SONAME *libsslp11.so.0' <<<"$(objdump -p "$libdir/libsslp11.so.0")" || { echo "wrong soname" >&2; exit 1; }

admin="$root/usr/bin/sslp11-admin"
export LD_LIBRARY_PATH="$libdir"

echo "== package: the guide's steps with the installed sslp11-admin"
"$admin" --version
for page in usr/share/man/man1/sslp11-admin.1 usr/share/man/man1/sslp11-tls.1 usr/share/man/man5/sslp11.conf.5; do
  grep -q 'NAME' <<<"$(MANWIDTH=80 man -l "$root/$page" 2>&1)" || { echo "man -l /$page shows no page" >&2; exit 1; }
done
# A throwaway SoftHSM (its own token directory) and the installed example
# config for it, saved where the guide says (here $SSLP11_CONF, not /etc).
export SOFTHSM2_CONF="$work/softhsm2.conf"
mkdir -p "$work/tokens"
echo "directories.tokendir = $work/tokens" >"$SOFTHSM2_CONF"
export SSLP11_CONF="$work/sslp11.conf"
cp "$root/usr/share/doc/sslp11/examples/softhsm2.conf" "$SSLP11_CONF"
grep -qx 'label = sslp11' "$SSLP11_CONF" && grep -qx 'pin = env:SSLP11_PIN' "$SSLP11_CONF" ||
  { echo "the example softhsm2.conf no longer names label sslp11 and pin env:SSLP11_PIN" >&2; exit 1; }
export PACKAGE_TEST_SO_PIN=87654321 SSLP11_PIN=12345678
"$admin" init-token --module /usr/lib/softhsm/libsofthsm2.so --free --label sslp11 \
  --so-pin-source env:PACKAGE_TEST_SO_PIN
"$admin" init-pin --so-pin-source env:PACKAGE_TEST_SO_PIN
"$admin" keygen ec:p256 --label web --id 01
"$admin" export --label web --type pubkey | openssl pkey -pubin -noout
"$admin" objects
"$admin" doctor

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

echo "== package: the installed sslp11-tls"
"$root/usr/bin/sslp11-tls" --version
echo "== package: OK"
