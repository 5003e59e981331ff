# shellcheck shell=bash
# shellcheck disable=SC2154,SC2120  # $work and die come from the caller; s_server arguments are optional
# Shared set-up of scripts/demo.sh and scripts/soak.sh (sourced, not run):
# a throwaway SoftHSMv2 token and sslp11 config for it, a throwaway CA and
# server certificate, and `openssl s_server -rev` on a free loopback port
# (TLS 1.2 only unless the caller says otherwise, see sslp11_start_s_server).
# Every function works in the directory "$work" (the caller makes it and
# removes it) and dies (the caller's `die`) on failure.

# sslp11_softhsm_token LABEL: a SoftHSMv2 token in $work/tokens with random
# PINs; exports SOFTHSM2_CONF, SSLP11_DEMO_PIN (the user PIN) and SSLP11_CONF
# (a config naming the token, its PIN from the environment); sets $module.
sslp11_softhsm_token() {
  local label="$1"
  mkdir -p "$work/tokens"
  cat > "$work/softhsm2.conf" <<CONF
directories.tokendir = $work/tokens
objectstore.backend = file
log.level = ERROR
CONF
  export SOFTHSM2_CONF="$work/softhsm2.conf"
  export SSLP11_DEMO_PIN="user-$RANDOM$RANDOM"
  softhsm2-util --init-token --free --label "$label" --so-pin "so-$RANDOM$RANDOM" --pin "$SSLP11_DEMO_PIN" >/dev/null
  module="$(dpkg -L softhsm2 libsofthsm2 2>/dev/null | grep -m1 '/libsofthsm2\.so$' || echo /usr/lib/softhsm/libsofthsm2.so)"
  export SSLP11_CONF="$work/sslp11.conf"
  cat > "$SSLP11_CONF" <<CONF
[token.demo]
module = $module
label = $label
pin = env:SSLP11_DEMO_PIN
CONF
}

# sslp11_nss_token: exports SSLP11_CONF naming NSS's softoken without a
# database (no login, session objects only); sets $module.
sslp11_nss_token() {
  module="$(dpkg -L libnss3 2>/dev/null | grep -m1 '/libsoftokn3\.so$' || echo /usr/lib/x86_64-linux-gnu/libsoftokn3.so)"
  export SSLP11_CONF="$work/sslp11.conf"
  cat > "$SSLP11_CONF" <<CONF
[token.nss]
module = $module
init-args = "configdir='' certPrefix='' keyPrefix='' secmod='' flags=noCertDB,noModDB,readOnly"
label = NSS Generic Crypto Services
pin = none
CONF
}

# sslp11_server_pki: $work/ca.pem, and $work/server.pem with its key
# $work/server.key (RSA-2048, for localhost and 127.0.0.1), plain files.
sslp11_server_pki() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj "/CN=sslp11 demo CA" \
    -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$work/server.ext"
  openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 1 \
    -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
}

# sslp11_start_s_server [extra s_server args...]: starts it in the background
# (log $work/s_server.log) and waits until it listens; sets $server_pid and $port.
# It speaks the versions in the array sslp11_s_server_versions if the caller
# set it (an empty array: every version OpenSSL enables, TLS 1.2 and 1.3),
# TLS 1.2 only otherwise.
sslp11_start_s_server() {
  local versions=(-tls1_2)
  if declare -p sslp11_s_server_versions >/dev/null 2>&1; then
    versions=("${sslp11_s_server_versions[@]}")
  fi
  # The log exists before the first look at it: the background shell may not
  # have opened it yet, and a failing sed would end a `set -e` caller.
  : >"$work/s_server.log"
  openssl s_server "${versions[@]}" -accept 127.0.0.1:0 -cert "$work/server.pem" -key "$work/server.key" -rev "$@" \
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
}

# sslp11_stop_s_server: stops the server started above, if it still runs.
sslp11_stop_s_server() {
  if [[ -n ${server_pid:-} ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
