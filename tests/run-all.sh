#!/bin/bash
# Installs every test dependency (Debian/Ubuntu, as root or with sudo) and runs all the tests:
# the core's unit and integration tests, the interop matrix against openssl cms / gpgsm / NSS
# cmsutil, the keystore tests against a real Secret Service (gnome-keyring inside
# dbus-run-session), the UI's type check, component and page tests (Chromium, mocked IPC), and
# the end-to-end tests of the real app under Xvfb through WebKitWebDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
t() { echo "[tests] $(date +%T) +${SECONDS}s $*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
need=()
for p in openssl gpgsm libnss3-tools gnome-keyring dbus dbus-x11 libsecret-tools pkg-config \
  build-essential curl libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev \
  librsvg2-dev xvfb xauth webkit2gtk-driver chromium xdotool python3 python3-venv dovecot-imapd dovecot-lmtpd postfix; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
command -v npm >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  t "apt-get install ${need[*]}"
  # Postfix must not ask questions; apt starts no services here (the mail tests start their own).
  echo "postfix postfix/main_mailer_type select Local only" | $SUDO debconf-set-selections
  echo "postfix postfix/mailname string localhost" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The tool versions the interop matrix runs against (Debian updates change them; the tests assert
# only what the tools guarantee: exit statuses and gpgsm's --status-fd lines).
t "openssl: $(openssl version 2>/dev/null || echo missing)"
t "gpgsm: $(gpgsm --version 2>/dev/null | head -n 1 || echo missing)"
t "cmsutil: libnss3-tools $(dpkg-query -W -f='${Version}' libnss3-tools 2>/dev/null || echo missing)"
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)"; exit 2; }

t "UI: npm ci, type check, build"
npm ci --no-audit --no-fund
npm run check
npm run build
t "UI: component tests"
npm run test:unit
t "UI: page tests in Chromium with mocked IPC"
npm run test:ui

t "build (core, CLI, app)"
cargo build --all-targets --locked
cargo build -p sealpost-app --locked

t "pkilint (CA/B Forum S/MIME BR linter, PyPI) for tests/ca.rs"
[ -x target/pkilint-venv/bin/lint_cabf_smime_cert ] || {
  python3 -m venv target/pkilint-venv
  target/pkilint-venv/bin/pip install --quiet pkilint==0.13.3
}

# Integration tests: all but the interop matrix run inside the D-Bus session (real Secret
# Service); gpgsm starts its own gpg-agent, which does not come up inside that session, so the
# interop matrix (file keystore) runs outside it. Every tests/*.rs must be in one group.
OUTSIDE_TESTS="interop"
SESSION_TESTS=""
for f in tests/*.rs; do
  n=$(basename "$f" .rs)
  case " $OUTSIDE_TESTS " in *" $n "*) ;; *) SESSION_TESTS="$SESSION_TESTS --test $n" ;; esac
done
export SESSION_TESTS

t "tests (inside a private D-Bus session with gnome-keyring; the app under Xvfb)"
KR=$(mktemp -d)
mkdir -p -m 700 "$KR/run"
trap 'rm -rf "$KR"' EXIT
env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY HOME="$KR" XDG_RUNTIME_DIR="$KR/run" \
  RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" \
  SEALPOST_REQUIRE_SECRET_SERVICE=1 SEALPOST_REQUIRE_PKILINT=1 SEALPOST_REQUIRE_MAIL_SERVERS=1 \
  NO_AT_BRIDGE=1 \
  dbus-run-session -- bash -c '
    set -euo pipefail
    echo -n ci-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    cargo test --locked --lib --bins $SESSION_TESTS 2>&1
    echo "[tests] $(date +%T) end-to-end tests of the app"
    xvfb-run -a -s "-screen 0 1280x860x24" bash tests/e2e/run.sh
  '
t "interop matrix (openssl cms, gpgsm, NSS cmsutil), outside the D-Bus session"
for n in $OUTSIDE_TESTS; do cargo test --locked --test "$n" 2>&1; done
t "done"
