#!/usr/bin/env bash
# bench/smime.sh [SIZE_MB...]   (default: 1 25)
#
# Times the release `sealpost` CLI against `openssl cms` on the same messages in the same run:
#   sign+encrypt    sealpost encrypt --sign (multipart/signed inside enveloped-data, AES-256-CBC)
#                   openssl cms -sign | openssl cms -encrypt -aes-256-cbc   (S/MIME in and out)
#   decrypt+verify  sealpost decrypt (verifies the inner signature too)
#                   openssl cms -decrypt | openssl cms -verify -CAfile ca.pem
# Sender Alice (RSA-2048), recipient Bob (RSA-3072), SHA-256; test PKI from tests/pki/make-pki.sh.
# Messages: RFC 5322, multipart/mixed with a short text part and a random binary attachment in
# base64, CRLF line ends, SIZE_MB MiB in total. A row with a 4 KiB message shows the fixed
# per-invocation costs (sealpost: opening the Argon2id key file, 64 MiB / t=3, and the database).
#
# Each measurement is the median of REPS runs (default 3) of /usr/bin/time (wall time, peak RSS);
# a pipeline's time is the sum of its steps and its peak RSS the largest of its steps. Every run's
# output is checked: the attachment comes back byte for byte and the signature is valid.
# Goal: sealpost no slower than openssl at 25 MB, peak RSS < 4x the size. Timings are only
# comparable on an otherwise idle machine (the load average is printed at the end).
# KEYSTORE=os (inside dbus-run-session with gnome-keyring) leaves the key-file KDF out.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPS=${REPS:-3}
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(1 25)
command -v openssl >/dev/null && [ -x /usr/bin/time ] || { echo "needs openssl and /usr/bin/time (apt-get install time)" >&2; exit 2; }

echo "[bench] building the release CLI" >&2
cargo build --release --locked --bin sealpost >&2
BIN=$ROOT/target/release/sealpost
PKI=$ROOT/target/test-pki
bash tests/pki/make-pki.sh "$PKI"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
printf 'bench-keystore-passphrase' > "$W/kspass"
export SEALPOST_PASSPHRASE_FILE=$W/kspass

sp() { "$BIN" --home "$1" "${@:2}"; }
mkhome() { # DIR IDENTITY OTHER
  # KEYSTORE=os measures with the OS keystore (run inside a D-Bus session with an unlocked
  # gnome-keyring); the default file store adds its Argon2id KDF (64 MiB) to every call.
  if [ "${KEYSTORE:-file}" = os ]; then
    sp "$1" keystore use os >/dev/null
  else
    sp "$1" keystore use file --password-file "$W/kspass" >/dev/null
  fi
  sp "$1" cert import "$PKI/$2.p12" --password-file "$PKI/password.txt" >/dev/null
  sp "$1" cert import "$PKI/$3.pem" "$PKI/ca.pem" >/dev/null
  sp "$1" cert trust "$(cut -d' ' -f2 < <(grep '^ca ' "$PKI/fingerprints.txt") | cut -c1-16)" >/dev/null
}
mkhome "$W/alice" rsa2048 rsa3072
mkhome "$W/bob" rsa3072 rsa2048

mkmsg() { # BYTES OUT
  local raw=$(( ($1 - 600) * 57 / 78 ))   # base64 with 76-column CRLF lines: 78 bytes per 57
  ((raw > 0)) || raw=1
  {
    printf '%s\r\n' 'From: Alice <alice@example.test>' 'To: Bob <bob@example.test>' \
      'Subject: benchmark' 'Date: Tue, 03 Mar 2026 10:15:00 +0000' 'MIME-Version: 1.0' \
      'Content-Type: multipart/mixed; boundary="bench-boundary"' '' '--bench-boundary' \
      'Content-Type: text/plain; charset=us-ascii' '' 'The figures are attached.' '--bench-boundary' \
      'Content-Type: application/octet-stream; name="data.bin"' 'Content-Transfer-Encoding: base64' \
      'Content-Disposition: attachment; filename="data.bin"' ''
    head -c "$raw" /dev/urandom | base64 -w 76 | sed 's/$/\r/'
    printf '%s\r\n' '--bench-boundary--'
  } > "$2"
}
# sha256 of the attachment's base64 lines: what must survive both pipelines unchanged
payload() { grep -aE '^[A-Za-z0-9+/]{76}'$'\r''?$|^[A-Za-z0-9+/]+=*'$'\r''?$' "$1" | tr -d '\r' | sha256sum | cut -c1-64; }

# run NAME CMD... : appends "seconds kib" of one step to $W/NAME.t
run() { local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$W/step.t" "$@" > "$W/step.out" 2> "$W/step.err" \
    || { echo "[bench] failed: $*" >&2; cat "$W/step.err" >&2; exit 1; }
  cat "$W/step.t" >> "$W/$name.t"; }
# total NAME : "seconds peak_kib" of the pipeline recorded in $W/NAME.t, then clears it
total() { awk '{ s += $1; if ($2 > m) m = $2 } END { printf "%.3f %d\n", s, m }' "$W/$1.t"; rm -f "$W/$1.t"; }
median() { sort -n | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

sealpost_round() { # MSG
  run se "$BIN" --home "$W/alice" encrypt --to bob@example.test --sign --from alice@example.test \
    --cipher aes-256-cbc --in "$1" --out "$W/sp.enc"
  run dv "$BIN" --home "$W/bob" decrypt --in "$W/sp.enc" --out "$W/sp.dec"
  [ "$(payload "$W/sp.dec")" = "$(payload "$1")" ] || { echo "[bench] sealpost round trip changed the attachment" >&2; exit 1; }
  grep -aq 'enveloped-data' "$W/sp.enc" || { echo "[bench] sealpost output is not enveloped-data" >&2; exit 1; }
}
openssl_round() { # MSG
  run se openssl cms -sign -in "$1" -signer "$PKI/rsa2048.pem" -inkey "$PKI/rsa2048.key" \
    -certfile "$PKI/ca.pem" -md sha256 -out "$W/os.signed"
  run se openssl cms -encrypt -aes-256-cbc -in "$W/os.signed" -out "$W/os.enc" "$PKI/rsa3072.pem"
  run dv openssl cms -decrypt -in "$W/os.enc" -recip "$PKI/rsa3072.pem" -inkey "$PKI/rsa3072.key" -out "$W/os.signed2"
  run dv openssl cms -verify -in "$W/os.signed2" -CAfile "$PKI/ca.pem" -out "$W/os.dec"
  [ "$(payload "$W/os.dec")" = "$(payload "$1")" ] || { echo "[bench] openssl round trip changed the attachment" >&2; exit 1; }
}

printf '%-9s %-15s %10s %10s %8s %11s %12s %12s %9s %9s\n' size operation sealpost_s openssl_s ratio \
  sp-fixed_s sealpost_MiB openssl_MiB sp_x_size os_x_size
declare -A FIXED=([se]=0 [dv]=0)
for mb in 0 "${SIZES[@]}"; do
  if [ "$mb" = 0 ]; then bytes=4096; label=4KiB; else bytes=$((mb * 1024 * 1024)); label=${mb}MiB; fi
  mkmsg "$bytes" "$W/msg.eml"
  bytes=$(stat -c %s "$W/msg.eml")
  for tool in sealpost openssl; do
    : > "$W/$tool.se"; : > "$W/$tool.dv"
    for ((r = 0; r < REPS; r++)); do
      "${tool}_round" "$W/msg.eml"
      total se >> "$W/$tool.se"; total dv >> "$W/$tool.dv"
    done
  done
  for op in se dv; do
    st=$(cut -d' ' -f1 "$W/sealpost.$op" | median); ot=$(cut -d' ' -f1 "$W/openssl.$op" | median)
    sm=$(cut -d' ' -f2 "$W/sealpost.$op" | median); om=$(cut -d' ' -f2 "$W/openssl.$op" | median)
    [ "$mb" = 0 ] && FIXED[$op]=$st
    awk -v l="$label" -v op="$([ $op = se ] && echo sign+encrypt || echo decrypt+verify)" \
        -v st="$st" -v ot="$ot" -v sm="$sm" -v om="$om" -v b="$bytes" -v fx="${FIXED[$op]}" 'BEGIN {
      printf "%-9s %-15s %10.3f %10.3f %8.2f %11.3f %12.1f %12.1f %9.2f %9.2f\n", l, op, st, ot,
        (ot > 0 ? st / ot : 0), st - fx, sm / 1024, om / 1024, sm * 1024 / b, om * 1024 / b }'
  done
done
echo "(ratio = sealpost time / openssl time; sp-fixed = sealpost time minus its 4 KiB time, i.e."
echo " without the per-invocation key file KDF and database; *_x_size = peak RSS / message size;"
echo " medians of $REPS runs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
