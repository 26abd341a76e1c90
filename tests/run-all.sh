#!/bin/bash
# Installs every test dependency (Debian/Ubuntu, as root or with sudo) and runs all the tests:
# unit tests, the interop matrix against openssl cms / gpgsm / NSS cmsutil, and the keystore
# tests against a real Secret Service (gnome-keyring inside dbus-run-session).
set -euo pipefail
cd "$(dirname "$0")/.."
t() { echo "[tests] $(date +%T) +${SECONDS}s $*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
need=()
for p in openssl gpgsm libnss3-tools gnome-keyring dbus dbus-x11 libsecret-tools pkg-config build-essential; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  t "apt-get install ${need[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 2; }

t "build"
cargo build --all-targets --locked
t "tests (inside a private D-Bus session with gnome-keyring)"
KR=$(mktemp -d)
mkdir -p -m 700 "$KR/run"
trap 'rm -rf "$KR"' EXIT
env -u DBUS_SESSION_BUS_ADDRESS HOME="$KR" XDG_RUNTIME_DIR="$KR/run" \
  RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" \
  SEALPOST_REQUIRE_SECRET_SERVICE=1 \
  dbus-run-session -- bash -c '
    set -euo pipefail
    echo -n ci-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    cargo test --locked --all-targets 2>&1
  '
t "done"
