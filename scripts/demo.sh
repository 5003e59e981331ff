#!/usr/bin/env bash
# The main job on the default embedded token: install dependencies, build,
# create a throwaway SoftHSMv2 token and show what sslp11 makes of it —
# the token, its TLS capabilities and the derivation tier it will run.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing dependencies"
scripts/install-deps.sh
scripts/build.sh default

work="$(mktemp -d "${TMPDIR:-/tmp}/sslp11-demo-XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tokens"
cat > "$work/softhsm2.conf" <<CONF
directories.tokendir = $work/tokens
objectstore.backend = file
log.level = ERROR
CONF
export SOFTHSM2_CONF="$work/softhsm2.conf"

echo "== creating a throwaway SoftHSMv2 token in $work"
softhsm2-util --init-token --free --label sslp11-demo --so-pin "so-$RANDOM$RANDOM" --pin "user-$RANDOM$RANDOM" >/dev/null
module="$(dpkg -L softhsm2 libsofthsm2 2>/dev/null | grep -m1 '/libsofthsm2\.so$' || echo /usr/lib/softhsm/libsofthsm2.so)"

echo "== slots of $module"
build/src/cli/sslp11-admin slots --module "$module"
echo "== TLS capabilities of token 'sslp11-demo'"
build/src/cli/sslp11-admin mechanisms --module "$module" --token sslp11-demo
