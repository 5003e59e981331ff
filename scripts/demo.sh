#!/usr/bin/env bash
# The main job, end to end, on a throwaway SoftHSMv2 token:
#   1. install dependencies and build sslp11;
#   2. create a temporary SoftHSMv2 token and an sslp11 config for it;
#   3. make a throwaway CA and a server certificate, and start
#      `openssl s_server -rev` with them on a free loopback port (the server
#      is plain OpenSSL; its key is an ordinary file);
#   4. run `sslp11-tls client` against it: every cryptographic step of the
#      client goes through sslp11's Ssl* API, so its ephemeral key and every
#      secret of the key schedule are objects on the token (sensitive, not
#      extractable); it sends a line, prints the reversed echo, resumes the
#      session once, and prints an account of what happened;
#   5. stop the server and delete everything it made, also on failure.
# By default the client offers TLS 1.3 (suite TLS_AES_128_GCM_SHA256) to a
# server that accepts TLS 1.2 and 1.3; with --tls12 it offers TLS 1.2 (suite
# ECDHE-RSA-AES128-GCM-SHA256) to `openssl s_server -tls1_2`, as before.
#   scripts/demo.sh [--tls12]
# Non-interactive; run it from a clone on Debian 12 (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/tls_peer.sh
source scripts/lib/tls_peer.sh

step() { printf '\n== %s\n' "$*"; }
die() {
  printf 'demo: %s\n' "$*" >&2
  exit 1
}

# What the client offers, and what s_server must then report it negotiated.
version=1.3
suite=TLS_AES_128_GCM_SHA256
case "${1:-}" in
  "") ;;
  --tls12) version=1.2 suite=ECDHE-RSA-AES128-GCM-SHA256 ;;
  -h|--help) sed -n '2,/^# Non-interactive/p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--tls12]" >&2; exit 2 ;;
esac

step "installing dependencies"
scripts/install-deps.sh
step "building"
scripts/build.sh default
tls=build/src/tls/sslp11-tls
[[ -x $tls ]] || die "$tls was not built"

work="$(mktemp -d "${TMPDIR:-/tmp}/sslp11-demo-XXXXXX")"
server_pid=""
cleanup() {
  local status=$?
  sslp11_stop_s_server
  rm -rf "$work"
  if [[ $status -eq 0 ]]; then
    printf '\n== cleaned up: openssl s_server stopped, %s removed\n' "$work"
  else
    printf '\n== demo FAILED (status %d); cleaned up: server stopped, %s removed\n' "$status" "$work" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "creating a throwaway SoftHSMv2 token in $work"
sslp11_softhsm_token sslp11-demo
echo "token 'sslp11-demo' on $module"

step "sslp11 configuration (the PIN comes from the environment, not the file)"
sed 's/^/    /' "$SSLP11_CONF"

step "what the token can run (sslp11-tls suites: SslEnumCipherSuites)"
"$tls" suites

step "throwaway CA and server certificate for openssl s_server (plain files, not on the token)"
sslp11_server_pki
openssl x509 -in "$work/server.pem" -noout -subject -issuer | sed 's/^/    /'

if [[ $version == 1.2 ]]; then
  step "starting openssl s_server -tls1_2 -rev (echoes each line reversed) on a free loopback port"
else
  # Every version OpenSSL enables (TLS 1.2 and 1.3): the client's suite list decides.
  sslp11_s_server_versions=()
  step "starting openssl s_server -rev (TLS 1.2 and 1.3; echoes each line reversed) on a free loopback port"
fi
sslp11_start_s_server
echo "openssl s_server (pid $server_pid) listening on 127.0.0.1:$port"

step "sslp11-tls client: the TLS $version handshake with every secret on the token, then a resumed session"
"$tls" client --connect "127.0.0.1:$port" --servername localhost --cafile "$work/ca.pem" \
  --suite "$suite" --send "hello from a key schedule inside a PKCS#11 token" --resume | tee "$work/client.log"
# The point of the demo is that account: it must list the token objects.
grep -q 'keys on the token' "$work/client.log" || die "the client's account lists no token objects"
grep -q '^   derivation path  composed: ' "$work/client.log" || die "the client's account names no derivation path"
grep -Eq '^     master (secret|key) \(secret\): .*sensitive, not extractable' "$work/client.log" ||
  die "the client's account shows no sensitive, non-extractable master secret"

step "what openssl s_server saw"
grep -E '^(Protocol version|Ciphersuite|Reused session-id|CONNECTION)' "$work/s_server.log" | sed 's/^/    /' || true
grep -q "^Protocol version: TLSv$version\$" "$work/s_server.log" || die "openssl s_server did not report TLS $version"
