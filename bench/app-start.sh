#!/bin/bash
# Time from launching the app to an interactive window (the UI has drawn its first screen and
# asked the core for its status), and the resident memory of the app and its WebKit processes
# once it is up. Needs an X display (run under xvfb-run) and a D-Bus session:
#   dbus-run-session -- xvfb-run -a bash bench/app-start.sh [target/release/sealpost-app] [runs]
# Goal (issue 3): under 1 s to an interactive window for a release build on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=${1:-target/release/sealpost-app}
RUNS=${2:-5}
[ -x "$APP" ] || { echo "build it first: cargo build --release -p sealpost-app"; exit 2; }
tree_rss_kb() { # RSS of a process and all its descendants, in kB
  local total=0 pid
  for pid in $1 $(pgrep -P "$1" 2>/dev/null) $(for c in $(pgrep -P "$1" 2>/dev/null); do pgrep -P "$c"; done); do
    total=$(( total + $(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0) ))
  done
  echo $total
}
printf "%-4s %10s %10s\n" run "ready(ms)" "rss(MiB)"
best=999999
for i in $(seq "$RUNS"); do
  home=$(mktemp -d); out=$(mktemp)
  start=$(date +%s%3N)
  SEALPOST_HOME="$home" SEALPOST_STARTUP_REPORT=1 "$APP" >"$out" 2>/dev/null &
  pid=$!
  for _ in $(seq 300); do grep -q sealpost-ready "$out" && break; sleep 0.01; done
  ready=$(awk '/sealpost-ready/ {print $2}' "$out")
  [ -n "$ready" ] || { echo "the app did not become ready"; kill $pid; exit 1; }
  sleep 1
  rss=$(tree_rss_kb $pid)
  kill $pid; wait $pid 2>/dev/null || true
  ms=$(( ready - start ))
  (( ms < best )) && best=$ms
  printf "%-4s %10d %10.1f\n" "$i" "$ms" "$(echo "$rss / 1024" | bc -l)"
  rm -rf "$home" "$out"
done
echo "best: ${best} ms to an interactive window (goal < 1000 ms)"
