#!/usr/bin/env bash
# Installs the Debian (bookworm) packages sslp11 needs to build and test.
# Idempotent: when everything is already installed it does not touch apt.
#
#   scripts/install-deps.sh           install what is missing
#   scripts/install-deps.sh --check   only report; exit 1 if something is missing
#
# Uses sudo only when not run as root.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  softhsm2 p11-kit libp11-kit-dev libnss3 libnss3-tools
  libboost-program-options-dev libboost-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev openssl opensc opensc-pkcs11
  gnutls-bin
  clang libclang-rt-14-dev
  dpkg-dev groff-base
)

check_only=0
case "${1:-}" in
  "") ;;
  --check) check_only=1 ;;
  -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

missing_packages() {
  local p status
  for p in "${PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
      printf '%s\n' "$p"
    fi
  done
}

mapfile -t missing < <(missing_packages)
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "dependencies: all present"
  exit 0
fi
echo "dependencies: missing ${#missing[@]}: ${missing[*]}"
if [[ $check_only -eq 1 ]]; then
  exit 1
fi

as_root=()
if [[ "$(id -u)" -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "dependencies: not root and sudo not found; run as root" >&2
    exit 1
  fi
  as_root=(sudo)
fi

# Wait for a concurrent apt/dpkg instead of failing on its lock.
apt_opts=(-o DPkg::Lock::Timeout=300)

echo "dependencies: apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" -qq update

echo "dependencies: apt-get install ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get "${apt_opts[@]}" -q install -y --no-install-recommends "${missing[@]}"

mapfile -t still_missing < <(missing_packages)
if [[ ${#still_missing[@]} -ne 0 ]]; then
  echo "dependencies: still missing after install: ${still_missing[*]}" >&2
  exit 1
fi
echo "dependencies: installed ${#missing[@]} package(s)"
