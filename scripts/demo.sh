#!/usr/bin/env bash
# The main job, end to end, on a throwaway SoftHSMv2 token:
#   1. install dependencies and build sslp11;
#   2. create a temporary SoftHSMv2 token and an sslp11 config for it;
#   3. make a throwaway CA and a server certificate, and start
#      `openssl s_server -tls1_2 -rev` with them on a free loopback port
#      (the server is plain OpenSSL; its key is an ordinary file);
#   4. run `sslp11-tls client` against it: every cryptographic step of the
#      client goes through sslp11's Ssl* API, so its ephemeral key, master key
#      and session keys are objects on the token (sensitive, not extractable);
#      it sends a line, prints the reversed echo, resumes the session once, and
#      prints an account of what happened;
#   5. stop the server and delete everything it made, also on failure.
# Non-interactive; run it from a clone on Debian 12 (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }
die() {
  printf 'demo: %s\n' "$*" >&2
  exit 1
}

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
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
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
mkdir -p "$work/tokens"
cat > "$work/softhsm2.conf" <<CONF
directories.tokendir = $work/tokens
objectstore.backend = file
log.level = ERROR
CONF
export SOFTHSM2_CONF="$work/softhsm2.conf"
export SSLP11_DEMO_PIN="user-$RANDOM$RANDOM"
softhsm2-util --init-token --free --label sslp11-demo --so-pin "so-$RANDOM$RANDOM" --pin "$SSLP11_DEMO_PIN" >/dev/null
module="$(dpkg -L softhsm2 libsofthsm2 2>/dev/null | grep -m1 '/libsofthsm2\.so$' || echo /usr/lib/softhsm/libsofthsm2.so)"
echo "token 'sslp11-demo' on $module"

step "sslp11 configuration (the PIN comes from the environment, not the file)"
export SSLP11_CONF="$work/sslp11.conf"
cat > "$SSLP11_CONF" <<CONF
[token.demo]
module = $module
label = sslp11-demo
pin = env:SSLP11_DEMO_PIN
CONF
sed 's/^/    /' "$SSLP11_CONF"

step "what the token can run (sslp11-tls suites: SslEnumCipherSuites)"
"$tls" suites

step "throwaway CA and server certificate for openssl s_server (plain files, not on the token)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=sslp11 demo CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
  -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
openssl x509 -in "$work/server.pem" -noout -subject -issuer | sed 's/^/    /'

step "starting openssl s_server -tls1_2 -rev (echoes each line reversed) on a free loopback port"
openssl s_server -tls1_2 -accept 127.0.0.1:0 -cert "$work/server.pem" -key "$work/server.key" -rev \
  >"$work/s_server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/s_server.log")"
  [[ -n $port ]] && break
  kill -0 "$server_pid" 2>/dev/null || die "openssl s_server exited: $(cat "$work/s_server.log")"
  sleep 0.1
done
[[ -n $port ]] || die "openssl s_server did not start listening"
echo "openssl s_server (pid $server_pid) listening on 127.0.0.1:$port"

step "sslp11-tls client: the TLS 1.2 handshake with every secret on the token, then a resumed session"
"$tls" client --connect "127.0.0.1:$port" --servername localhost --cafile "$work/ca.pem" \
  --suite ECDHE-RSA-AES128-GCM-SHA256 --send "hello from a key schedule inside a PKCS#11 token" --resume

step "what openssl s_server saw"
grep -E '^(Protocol version|Ciphersuite|Reused session-id|CONNECTION)' "$work/s_server.log" | sed 's/^/    /' || true
