#!/bin/bash
# Builds and runs the Sealpost desktop app on Debian/Ubuntu: installs the build dependencies
# (WebKitGTK, Node) with apt when missing, builds the web UI, then the app in release mode.
# Data lives in the platform data directory (a local SQLite store; no server needed);
# SEALPOST_HOME overrides it. Arguments are passed to cargo (e.g. --debug is not needed: use
# `cargo run -p sealpost-app` directly after a first run for a quicker debug build).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
need=()
for p in build-essential pkg-config curl libwebkit2gtk-4.1-dev libxdo-dev libssl-dev \
  libayatana-appindicator3-dev librsvg2-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 2; }
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build
exec cargo run --release --locked -p sealpost-app "$@"
