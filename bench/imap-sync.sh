#!/usr/bin/env bash
# bench/imap-sync.sh [COUNT]   (default: 10000)
#
# Times the release `sealpost sync` against a plain protocol fetch of the same data in the same
# run, on a private Dovecot on loopback (tests/mail/start.sh on free ports; needs root and
# dovecot-imapd, dovecot-lmtpd, postfix; stopped at the end, also on failure):
#   fill          COUNT messages written into alice's Maildir (bench/imap_bench.py fill: varied
#                 From/Subject/Date, 15 % S/MIME enveloped-data, 20 % multipart/signed, 1.5-6 KB
#                 each, flags in the file names), then Dovecot's index is built by one warm-up
#                 fetch (both timed once)
#   headers       sealpost sync --headers-only --account alice (a fresh home each run)
#   imaplib       Python imaplib over TLS: EXAMINE INBOX, UID FETCH 1:* (UID FLAGS INTERNALDATE
#                 RFC822.SIZE BODY.PEEK[HEADER]), the same fetch sealpost's headers-first sync makes
#   fixed         sealpost sync --headers-only of the empty Sent folder: the per-invocation cost
#                 (opening the Argon2id key file, 64 MiB / t=3, the database, TLS, login)
#   full          sealpost sync (headers, then every body), for information
# Each figure is the median of REPS runs (default 3); SEALPOST_BIN=path skips the release build. Goal: headers within 1.5x of imaplib.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
COUNT=${1:-10000}
REPS=${REPS:-3}
command -v dovecot >/dev/null && command -v postfix >/dev/null && command -v python3 >/dev/null \
  || { echo "needs dovecot-imapd dovecot-lmtpd postfix python3 (tests/mail/start.sh)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (tests/mail/start.sh)" >&2; exit 2; }

if [ -n "${SEALPOST_BIN:-}" ]; then  # another build of the CLI (e.g. a debug one, to try the script)
  BIN=$SEALPOST_BIN
else
  echo "[bench] building the release CLI" >&2
  cargo build --release --locked --bin sealpost >&2
  BIN=$ROOT/target/release/sealpost
fi

W=$(mktemp -d /tmp/sealpost-imapbench.XXXXXX)
chmod 755 "$W"  # the daemons traverse it
stop() { bash "$ROOT/tests/mail/stop.sh" "$W/srv" >/dev/null 2>&1 || true; rm -rf "$W"; }
trap stop EXIT
mkdir "$W/srv"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export IMAP_PORT=$(free_port) IMAPS_PORT=$(free_port) LMTP_PORT=$(free_port) \
  SMTP_PORT=$(free_port) SUBMISSION_PORT=$(free_port)
bash tests/mail/start.sh "$W/srv" >&2
CA=$W/srv/ca.pem

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

MAILDIR=$W/srv/vmail/example.test/alice/Maildir
t=$(now)
python3 bench/imap_bench.py fill "$MAILDIR" "$COUNT"
chown -R mail:mail "$W/srv/vmail/example.test"
FILL=$(since "$t")
SIZE=$(du -sm "$MAILDIR" | cut -f1)
t=$(now)
n=$(python3 bench/imap_bench.py fetch "$IMAPS_PORT" alice@example.test alicepw "$CA")
INDEX=$(since "$t")
[ "$n" = "$COUNT" ] || { echo "[bench] the warm-up fetch saw $n messages, not $COUNT" >&2; exit 1; }

# A template home with the account; each run syncs into a fresh copy of it.
printf 'bench-keystore-passphrase' > "$W/kspass"
printf 'alicepw' > "$W/imappw"
export SEALPOST_PASSPHRASE_FILE=$W/kspass
"$BIN" --home "$W/home" keystore use file --password-file "$W/kspass" >/dev/null
"$BIN" --home "$W/home" account add --name alice --email alice@example.test \
  --imap "localhost:$IMAPS_PORT" --tls implicit --smtp "localhost:$SUBMISSION_PORT" \
  --ca-file "$CA" --password-file "$W/imappw" >/dev/null

check() { # FILE FIELD WANT
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); v=r[sys.argv[2]]
sys.exit(0 if v == int(sys.argv[3]) else f"[bench] {sys.argv[2]} = {v}, expected {sys.argv[3]}")' "$@"; }

: > "$W/headers"; : > "$W/imaplib"; : > "$W/fixed"; : > "$W/full"
for ((r = 0; r < REPS; r++)); do
  rm -rf "$W/run"; cp -a "$W/home" "$W/run"; t=$(now)
  "$BIN" --home "$W/run" --json sync --account alice --headers-only > "$W/sync.json"
  since "$t" >> "$W/headers"; echo >> "$W/headers"
  check "$W/sync.json" new "$COUNT"; check "$W/sync.json" downloaded 0

  t=$(now)
  n=$(python3 bench/imap_bench.py fetch "$IMAPS_PORT" alice@example.test alicepw "$CA")
  since "$t" >> "$W/imaplib"; echo >> "$W/imaplib"
  [ "$n" = "$COUNT" ] || { echo "[bench] imaplib fetched $n messages, not $COUNT" >&2; exit 1; }

  rm -rf "$W/run"; cp -a "$W/home" "$W/run"; t=$(now)
  "$BIN" --home "$W/run" --json sync --account alice --folder Sent --headers-only > "$W/sync.json"
  since "$t" >> "$W/fixed"; echo >> "$W/fixed"
  check "$W/sync.json" total 0
done
for ((r = 0; r < REPS; r++)); do
  rm -rf "$W/run"; cp -a "$W/home" "$W/run"; t=$(now)
  "$BIN" --home "$W/run" --json sync --account alice > "$W/sync.json"
  since "$t" >> "$W/full"; echo >> "$W/full"
  check "$W/sync.json" downloaded "$COUNT"
done

H=$(median < "$W/headers"); P=$(median < "$W/imaplib"); F=$(median < "$W/fixed"); B=$(median < "$W/full")
echo "$COUNT messages, $SIZE MiB in the Maildir; written in ${FILL}s, Dovecot's first fetch (index build) ${INDEX}s"
printf '%-34s %9s\n' measurement seconds
printf '%-34s %9.3f\n' "sealpost sync --headers-only" "$H" "python imaplib UID FETCH headers" "$P" \
  "sealpost fixed cost (empty folder)" "$F" "sealpost sync (with bodies)" "$B"
awk -v h="$H" -v p="$P" -v f="$F" 'BEGIN {
  printf "ratio headers/imaplib: %.2f (goal: within 1.5x: %s); without the fixed cost: %.2f\n",
    h / p, (h / p <= 1.5 ? "met" : "NOT met"), (h - f) / p }'
echo "(medians of $REPS runs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
