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
tree_pids() { # a process and all its descendants
  local pid=$1 c
  echo "$pid"
  for c in $(pgrep -P "$pid" 2>/dev/null); do tree_pids "$c"; done
}
tree_mem_kb() { # "RSS PSS" summed over the process tree, in kB (PSS shares libraries fairly)
  local rss=0 pss=0 pid
  for pid in $(tree_pids "$1"); do
    rss=$(( rss + $(awk '/^Rss:/ {print $2}' /proc/$pid/smaps_rollup 2>/dev/null || echo 0) ))
    pss=$(( pss + $(awk '/^Pss:/ {print $2}' /proc/$pid/smaps_rollup 2>/dev/null || echo 0) ))
  done
  echo "$rss $pss"
}
printf "%-4s %10s %10s %10s %6s\n" run "ready(ms)" "rss(MiB)" "pss(MiB)" procs
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
  read -r rss pss < <(tree_mem_kb $pid)
  procs=$(tree_pids $pid | wc -l)
  kill $pid; wait $pid 2>/dev/null || true
  ms=$(( ready - start ))
  (( ms < best )) && best=$ms
  printf "%-4s %10d %10.1f %10.1f %6d\n" "$i" "$ms" "$(echo "$rss / 1024" | bc -l)" "$(echo "$pss / 1024" | bc -l)" "$procs"
  rm -rf "$home" "$out"
done
echo "best: ${best} ms to an interactive window (goal < 1000 ms)"
