#!/bin/bash
# End-to-end tests of the real app (target/debug/sealpost-app, or $APP_BIN) driven through
# WebKitWebDriver. Run inside a D-Bus session with an unlocked gnome-keyring and an X display,
# as tests/run-all.sh does:
#   dbus-run-session -- xvfb-run -a -s "-screen 0 1280x860x24" bash tests/e2e/run.sh
# Screenshots of every screen go to target/e2e-shots/.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TAURI_WEBVIEW_AUTOMATION=true NO_AT_BRIDGE=1
export APP_BIN=${APP_BIN:-$PWD/target/debug/sealpost-app}
export WD_PORT=${WD_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
[ -x "$APP_BIN" ] || { echo "build the app first: cargo build -p sealpost-app"; exit 2; }
[ -f target/test-pki/.done ] || bash tests/pki/make-pki.sh target/test-pki >/dev/null
# The mail test drives alice's side with the CLI (a no-op when it is up to date).
cargo build --quiet --bin sealpost
mkdir -p target/e2e-shots
# A fresh data directory for the app (the OS keystore is the session's gnome-keyring).
export SEALPOST_HOME=$(mktemp -d)
WebKitWebDriver --port="$WD_PORT" > target/webkitwebdriver.log 2>&1 &
WD_PID=$!
trap 'kill $WD_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$WD_PORT/status" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$WD_PORT/status" >/dev/null || { echo "WebKitWebDriver did not start"; cat target/webkitwebdriver.log; exit 1; }
node --test --test-concurrency=1 tests/e2e/
