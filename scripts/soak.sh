#!/usr/bin/env bash
# Soak: many TLS 1.2 handshakes of sslp11-tls (every secret on the token)
# against `openssl s_server -tls1_2 -rev` on a free loopback port.
#   scripts/soak.sh [--token softhsm|nss] [--handshakes N] [--seconds S] [--resume-every K]
#                   [--suite NAME] [--no-build] [--tls PATH]
# Defaults: SoftHSMv2, 10000 handshakes, at most 1800 s, all full handshakes,
# ECDHE-RSA-AES128-GCM-SHA256. It builds sslp11 (scripts/build.sh default)
# unless --no-build or --tls names an existing sslp11-tls binary; makes a
# throwaway token (SoftHSMv2) or uses NSS's softoken without a database;
# reports handshakes/s, failures by cause and the token's object and handle
# counts before and after; removes everything it made, also on failure.
# Exit status: sslp11-tls soak's (0: no failure, no leak).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/tls_peer.sh
source scripts/lib/tls_peer.sh

die() {
  printf 'soak: %s\n' "$*" >&2
  exit 2
}

token=softhsm handshakes=10000 seconds=1800 resume_every=0 suite=ECDHE-RSA-AES128-GCM-SHA256 build=1
tls=build/src/tls/sslp11-tls
while [[ $# -gt 0 ]]; do
  case "$1" in
    --token) token="$2"; shift 2 ;;
    --handshakes) handshakes="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --resume-every) resume_every="$2"; shift 2 ;;
    --suite) suite="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --tls) tls="$2"; build=0; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ $token == softhsm || $token == nss ]] || die "--token is softhsm or nss"

if [[ $build == 1 ]]; then
  scripts/install-deps.sh
  scripts/build.sh default
fi
[[ -x $tls ]] || die "$tls was not built"

work="$(mktemp -d "${TMPDIR:-/tmp}/sslp11-soak-XXXXXX")"
server_pid=""
cleanup() {
  sslp11_stop_s_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $token == softhsm ]]; then
  sslp11_softhsm_token sslp11-soak
else
  sslp11_nss_token
fi
echo "== token: $token ($module)"
sslp11_server_pki
sslp11_start_s_server
echo "== openssl s_server -tls1_2 -rev (pid $server_pid) on 127.0.0.1:$port"

"$tls" soak --connect "127.0.0.1:$port" --servername localhost --cafile "$work/ca.pem" --suite "$suite" \
  --handshakes "$handshakes" --seconds "$seconds" --resume-every "$resume_every"
