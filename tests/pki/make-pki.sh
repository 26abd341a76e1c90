#!/usr/bin/env bash
# make-pki.sh OUTDIR — generate Sealpost's own S/MIME test PKI (bash + openssl 3.0 only).
#
# Idempotent: if OUTDIR/.done exists the script exits 0 at once. Otherwise it (re)writes every
# file under fixed names and writes OUTDIR/.done last. Concurrent callers are serialised with
# flock(1) on OUTDIR/.lock when flock is available.
#
# Contents (all passwords are "secret", see password.txt):
#   ca.{key,pem,der}            "Sealpost Test CA", RSA-3072 root (valid 2019-01-01 .. 2049-12-31)
#   other-ca.{key,pem,der}      "Sealpost Other CA", RSA-3072, a second CA that tests never trust
#   users (issued by the test CA, valid 2020-01-01 .. 2045-12-31, EKU emailProtection):
#     rsa2048  Alice  alice@example.test   RSA-2048  KU critical digitalSignature,keyEncipherment
#     rsa3072  Bob    bob@example.test     RSA-3072  same KU
#     p256     Carol  carol@example.test   EC P-256  KU critical digitalSignature,keyAgreement
#     p384     Dave   dave@example.test    EC P-384  same KU
#     ed25519  Erin   erin@example.test    Ed25519   KU critical digitalSignature (cannot encrypt)
#   problem certificates (RSA-2048, issued by the test CA unless noted):
#     expired  Frank  frank@example.test   valid 2020-01-01 .. 2021-01-01
#     notyet   Grace  grace@example.test   valid 2040-01-01 .. 2045-12-31
#     wrongeku Heidi  heidi@example.test   EKU serverAuth only
#     stranger Mallory mallory@example.test issued by other-ca (untrusted chain)
#   For every user/problem NAME: NAME.key (unencrypted PKCS#8 PEM), NAME.pem, NAME.der,
#     NAME.p12         OpenSSL 3 default (PBES2 / AES-256-CBC / HMAC-SHA256 MAC), chain incl. CA
#     NAME-3des.p12    pbeWithSHA1And3-KeyTripleDES-CBC for certs and key, SHA-1 MAC (gpgsm 2.2);
#                      re-made with fresh salts until GnuPG's PKCS#12 KDF derives the right keys
#                      (see gpgsm_kdf_ok below)
#   and for the RSA/EC users (rsa2048 rsa3072 p256 p384):
#     NAME-legacy.p12  `openssl pkcs12 -legacy`: certs RC2-40-CBC, key 3DES, SHA-1 MAC
#   mismatch.p12       Alice's certificate (+CA) with *Bob's* key; both bags carry Alice's
#                      localKeyID and friendly name "mismatch"; MAC valid (password "secret").
#                      `openssl pkcs12 -export` refuses such a pair, so the file is spliced from two
#                      exports at the DER level and its MAC recomputed (PKCS12KDF + HMAC-SHA256).
#   password.txt ("secret", no newline), password-wrong.txt ("wrong-secret", no newline)
#   msg.eml            small RFC 5322 message, CRLF line ends, UTF-8 body with a "From " line
#   fingerprints.txt   "NAME sha256-hex" (lowercase, no colons) for every certificate
set -euo pipefail

OUT=${1:?usage: make-pki.sh OUTDIR}
[ -e "$OUT/.done" ] && exit 0
mkdir -p "$OUT"
cd "$OUT"

if command -v flock >/dev/null 2>&1; then
  exec 9>.lock
  flock 9
  [ -e .done ] && exit 0
fi

export OPENSSL_CONF=/dev/null   # no system config surprises
rm -rf cadb-test cadb-other work
mkdir -p cadb-test/new cadb-other/new work
: > cadb-test/index.txt
: > cadb-other/index.txt
printf '1000\n' > cadb-test/serial
printf '5000\n' > cadb-other/serial

printf 'secret' > password.txt
printf 'wrong-secret' > password-wrong.txt

cat > work/pki.cnf <<'EOF'
[ ca ]
default_ca = testca

[ testca ]
dir            = ./cadb-test
database       = $dir/index.txt
new_certs_dir  = $dir/new
serial         = $dir/serial
default_md     = sha256
policy         = policy_any
email_in_dn    = yes
preserve       = yes
unique_subject = no
copy_extensions = none

[ otherca ]
dir            = ./cadb-other
database       = $dir/index.txt
new_certs_dir  = $dir/new
serial         = $dir/serial
default_md     = sha256
policy         = policy_any
email_in_dn    = yes
preserve       = yes
unique_subject = no
copy_extensions = none

[ policy_any ]
organizationName = optional
commonName       = supplied
emailAddress     = optional

[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused

[ ca_ext ]
basicConstraints     = critical,CA:TRUE
keyUsage             = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ rsa_user ]
basicConstraints       = CA:FALSE
keyUsage               = critical,digitalSignature,keyEncipherment
extendedKeyUsage       = emailProtection
subjectAltName         = email:${ENV::SAN_EMAIL}
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ec_user ]
basicConstraints       = CA:FALSE
keyUsage               = critical,digitalSignature,keyAgreement
extendedKeyUsage       = emailProtection
subjectAltName         = email:${ENV::SAN_EMAIL}
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ ed_user ]
basicConstraints       = CA:FALSE
keyUsage               = critical,digitalSignature
extendedKeyUsage       = emailProtection
subjectAltName         = email:${ENV::SAN_EMAIL}
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ serverauth_user ]
basicConstraints       = CA:FALSE
keyUsage               = critical,digitalSignature,keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = email:${ENV::SAN_EMAIL}
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
export SAN_EMAIL=unused@example.test   # referenced by the config; overridden per certificate

# ---------------------------------------------------------------- keys (generated in parallel)
genkey() { # NAME TYPE
  case $2 in
    rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" ;;
    rsa3072) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$1.key" ;;
    p256)    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1.key" ;;
    p384)    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -pkeyopt ec_param_enc:named_curve -out "$1.key" ;;
    ed25519) openssl genpkey -algorithm ED25519 -out "$1.key" ;;
  esac 2>>work/genkey.log || { cat work/genkey.log >&2; exit 1; }
}
pids=()
for spec in ca:rsa3072 other-ca:rsa3072 rsa2048:rsa2048 rsa3072:rsa3072 p256:p256 p384:p384 \
            ed25519:ed25519 expired:rsa2048 notyet:rsa2048 wrongeku:rsa2048 stranger:rsa2048; do
  genkey "${spec%%:*}" "${spec#*:}" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
chmod 600 ./*.key

# ---------------------------------------------------------------- CAs
mkca() { # NAME CASECTION "CN"
  openssl req -new -config work/pki.cnf -key "$1.key" -subj "/O=Sealpost Tests/CN=$3" -out "work/$1.csr"
  openssl ca -batch -config work/pki.cnf -name "$2" -selfsign -keyfile "$1.key" -in "work/$1.csr" \
    -extensions ca_ext -startdate 20190101000000Z -enddate 20491231235959Z -notext -out "$1.pem" 2>work/ca.log \
    || { cat work/ca.log >&2; exit 1; }
  openssl x509 -in "$1.pem" -outform DER -out "$1.der"
}
mkca ca testca "Sealpost Test CA"
mkca other-ca otherca "Sealpost Other CA"

# ---------------------------------------------------------------- end-entity certificates
mkuser() { # NAME "Display" email EXTSECTION START END CAFILE CASECTION
  local name=$1 cn=$2 email=$3 ext=$4 start=$5 end=$6 ca=$7 sect=$8
  openssl req -new -config work/pki.cnf -key "$name.key" -subj "/CN=$cn/emailAddress=$email" -out "work/$name.csr"
  SAN_EMAIL=$email openssl ca -batch -config work/pki.cnf -name "$sect" -cert "$ca.pem" -keyfile "$ca.key" \
    -in "work/$name.csr" -extensions "$ext" -startdate "$start" -enddate "$end" -notext \
    -out "$name.pem" 2>work/ca.log || { cat work/ca.log >&2; exit 1; }
  openssl x509 -in "$name.pem" -outform DER -out "$name.der"
}
V0=20200101000000Z; V1=20451231235959Z
mkuser rsa2048  Alice   alice@example.test   rsa_user        $V0 $V1 ca testca
mkuser rsa3072  Bob     bob@example.test     rsa_user        $V0 $V1 ca testca
mkuser p256     Carol   carol@example.test   ec_user         $V0 $V1 ca testca
mkuser p384     Dave    dave@example.test    ec_user         $V0 $V1 ca testca
mkuser ed25519  Erin    erin@example.test    ed_user         $V0 $V1 ca testca
mkuser expired  Frank   frank@example.test   rsa_user        $V0 20210101000000Z ca testca
mkuser notyet   Grace   grace@example.test   rsa_user        20400101000000Z $V1 ca testca
mkuser wrongeku Heidi   heidi@example.test   serverauth_user $V0 $V1 ca testca
mkuser stranger Mallory mallory@example.test rsa_user        $V0 $V1 other-ca otherca

# ---------------------------------------------------------------- PKCS#12
p12() { # NAME FRIENDLY CAFILE OUTFILE [extra openssl pkcs12 args...]
  local name=$1 friendly=$2 ca=$3 out=$4; shift 4
  openssl pkcs12 -export -inkey "$name.key" -in "$name.pem" -certfile "$ca.pem" -name "$friendly" \
    -passout file:password.txt -out "$out" "$@"
}
# gpgsm_kdf_ok FILE: true if GnuPG 2.2's minip12 derives the same 3DES keys as OpenSSL for every
# pbeWithSHA1And3-KeyTripleDES-CBC in FILE (password "secret").
#
# Why: a 3DES key is 24 bytes, more than one SHA-1 block, so the PKCS#12 KDF (RFC 7292 B.2) updates
# its 64-byte blocks I_j = (I_j + B + 1) mod 2^512 before the second block. minip12's string_to_key
# writes the sum back with gcry_mpi_print(GCRYMPI_FMT_USG), which drops leading zero bytes: when the
# sum's top byte is 0 (probability ~1/256 per block, two blocks — salt and password — per
# derivation), I_j is shifted, the key is wrong and `gpgsm --import` reports "decryption failed;
# trying charset ..." / 'data error at "shrouded_key_bag.decrypted-text"' (or at "outer.outer.seq"
# for the certificate bag). With a certificate bag and a key bag that is ~1.5 % of freshly made
# files: measured 7 of 400 files, exactly the 7 this function rejects. OpenSSL's salts are random,
# so a fresh PKI occasionally hit it. The IV (8 bytes, one block) is not affected.
bmpPass=$(printf 'secret' | od -An -v -tx1 | tr -d ' \n' | sed 's/../00&/g')0000   # UTF-16BE + NUL
rep64() { local r=""; while ((${#r} < 128)); do r+=$1; done; printf '%s' "${r:0:128}"; }  # 64 bytes
gpgsm_kdf_ok() {
  local hex n=0 salt iter a b b1 blk i c s
  hex=$(od -An -v -tx1 "$1" | tr -d ' \n')
  # AlgorithmIdentifier { pbeWithSHAAnd3-KeyTripleDES-CBC, { OCTET STRING (8) salt, INTEGER (2) iter } }
  while read -r salt iter; do
    n=$((n + 1))
    a=$(openssl kdf -keylen 20 -kdfopt digest:SHA1 -kdfopt "hexpass:$bmpPass" -kdfopt "hexsalt:$salt" \
        -kdfopt "iter:$((16#$iter))" -kdfopt id:1 PKCS12KDF | tr -d ':' | tr 'A-F' 'a-f')
    [ ${#a} -eq 40 ] || return 1
    b=$(rep64 "$a"); b1=""; c=1                       # B + 1
    for ((i = 126; i >= 0; i -= 2)); do s=$((16#${b:i:2} + c)); c=$((s >> 8)); b1=$(printf '%02x' $((s & 255)))$b1; done
    for blk in "$(rep64 "$salt")" "$(rep64 "$bmpPass")"; do   # top byte of (I_j + B + 1) mod 2^512
      c=0
      for ((i = 126; i >= 0; i -= 2)); do s=$((16#${blk:i:2} + 16#${b1:i:2} + c)); c=$((s >> 8)); done
      (((s & 255) != 0)) || return 1
    done
  done < <(grep -oE '060a2a864886f70d010c0103300e0408[0-9a-f]{16}0202[0-9a-f]{4}' <<<"$hex" \
             | sed -E 's/^.{32}(.{16})0202(.{4})$/\1 \2/')
  [ $n -eq 2 ]   # the certificate bag and the key bag
}

pids=()
for spec in rsa2048:Alice rsa3072:Bob p256:Carol p384:Dave ed25519:Erin expired:Frank notyet:Grace \
            wrongeku:Heidi stranger:Mallory; do
  n=${spec%%:*}; f=${spec#*:}; ca=ca; [ "$n" = stranger ] && ca=other-ca
  { p12 "$n" "$f" $ca "$n.p12"
    for ((try = 1; ; try++)); do
      p12 "$n" "$f" $ca "$n-3des.p12" -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES -macalg sha1
      gpgsm_kdf_ok "$n-3des.p12" && break
      ((try < 20)) || { echo "make-pki: $n-3des.p12: no gpgsm-compatible salts after $try tries" >&2; exit 1; }
      echo "make-pki: $n-3des.p12 would hit GnuPG's PKCS#12 KDF bug (leading zero byte); re-made" >&2
    done
    case $n in rsa2048|rsa3072|p256|p384) p12 "$n" "$f" $ca "$n-legacy.p12" -legacy ;; esac
  } & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

# ---------------------------------------------------------------- mismatch.p12 (DER splicing)
tohex()  { od -An -v -tx1 "$1" | tr -d ' \n'; }
fromhex() { local h=$1 i; : > "$2"; for ((i = 0; i < ${#h}; i += 8192)); do
              printf "$(printf '%s' "${h:i:8192}" | sed 's/../\\x&/g')" >> "$2"; done; }
derlen() { local n=$1
  if ((n < 128)); then printf '%02x' "$n"; elif ((n < 256)); then printf '81%02x' "$n"
  elif ((n < 65536)); then printf '82%04x' "$n"; else printf '83%06x' "$n"; fi; }
tlv() { printf '%s%s%s' "$1" "$(derlen $((${#2} / 2)))" "$2"; }   # TAGHEX VALUEHEX
# "offset hl len" of the Nth line at depth D of an asn1parse listing
asn1_at() { awk -v D="$2" -v N="$3" '
  match($0, /^ *[0-9]+:d=[0-9]+ +hl= *[0-9]+ +l= *[0-9]+/) {
    s = substr($0, RSTART, RLENGTH); gsub(/[:=a-z]/, " ", s); split(s, a, " ")
    if (a[2] == D && ++c == N) { print a[1], a[3], a[4]; exit } }' "$1"; }

# A: Alice's cert + CA cert bags (encrypted SafeContents); B: Bob's shrouded key bag. Same friendly name.
p12 rsa2048 mismatch ca work/mA.p12
p12 rsa3072 mismatch ca work/mB.p12
openssl asn1parse -inform DER -in work/mA.p12 > work/mA.asn
openssl asn1parse -inform DER -in work/mB.p12 > work/mB.asn
hexA=$(tohex work/mA.p12); hexB=$(tohex work/mB.p12)
# PFX: d=1 #2 = authSafe ContentInfo, its d=3 #1 = OCTET STRING holding AuthenticatedSafe; d=1 #3 = macData
read -r osA hlA lA < <(asn1_at work/mA.asn 3 1)
read -r osB hlB lB < <(asn1_at work/mB.asn 3 1)
read -r macOff macHl macL < <(asn1_at work/mA.asn 1 3)
openssl asn1parse -inform DER -in work/mA.p12 -strparse "$osA" > work/mA-safe.asn
openssl asn1parse -inform DER -in work/mB.p12 -strparse "$osB" > work/mB-safe.asn
safeA=${hexA:2*(osA+hlA):2*lA}; safeB=${hexB:2*(osB+hlB):2*lB}
read -r o h l < <(asn1_at work/mA-safe.asn 1 1); certCI=${safeA:2*o:2*(h+l)}   # encryptedData, cert bags
read -r o h l < <(asn1_at work/mB-safe.asn 1 2); keyCI=${safeB:2*o:2*(h+l)}    # data, shrouded key bag
grep -q ':pkcs7-encryptedData' <(sed -n 2p work/mA-safe.asn; sed -n 3p work/mA-safe.asn) \
  || { echo "make-pki: unexpected PKCS#12 layout (certs)" >&2; exit 1; }
# The key bag's localKeyID is SHA-1(Bob's cert): point it at Alice's certificate instead.
idA=$(openssl x509 -in rsa2048.pem -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
idB=$(openssl x509 -in rsa3072.pem -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
[[ $keyCI == *"0414$idB"* ]] || { echo "make-pki: Bob's localKeyID not found in key bag" >&2; exit 1; }
keyCI=${keyCI//0414$idB/0414$idA}
authSafe=$(tlv 30 "$certCI$keyCI")
fromhex "$authSafe" work/authsafe.der
# MacData from A: re-use its algorithm, salt and iteration count; replace only the digest.
macData=${hexA:2*macOff:2*(macHl+macL)}
printf '%s' "$macData" > work/mac.hex; fromhex "$macData" work/macdata.der
openssl asn1parse -inform DER -in work/macdata.der > work/mac.asn
grep -q ':sha256' work/mac.asn || { echo "make-pki: MAC is not HMAC-SHA256" >&2; exit 1; }
oldMac=$(awk '/OCTET STRING/ { n++; if (n == 1) { sub(/.*\[HEX DUMP\]:/, ""); print; exit } }' work/mac.asn | tr 'A-F' 'a-f')
salt=$(awk '/OCTET STRING/ { n++; if (n == 2) { sub(/.*\[HEX DUMP\]:/, ""); print; exit } }' work/mac.asn)
iter=$(awk '/INTEGER/ { sub(/.*:/, ""); print; exit }' work/mac.asn)
# PKCS#12 KDF input is the password as a NUL-terminated BMPString (UTF-16BE): "secret" -> 0073 0065 ...
bmpPass=$(printf 'secret' | od -An -v -tx1 | tr -d ' \n' | sed 's/../00&/g')0000
macKey=$(openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt "hexpass:$bmpPass" -kdfopt "hexsalt:$salt" \
  -kdfopt "iter:$((16#$iter))" -kdfopt id:3 PKCS12KDF | tr -d ':' | tr 'A-F' 'a-f')
newMac=$(openssl mac -digest SHA256 -macopt "hexkey:$macKey" -in work/authsafe.der HMAC | tr 'A-F' 'a-f')
[ ${#oldMac} -eq 64 ] && [ ${#newMac} -eq 64 ] || { echo "make-pki: MAC computation failed" >&2; exit 1; }
macData=${macData/$oldMac/$newMac}
authCI=$(tlv 30 "06092a864886f70d010701$(tlv a0 "$(tlv 04 "$authSafe")")")
fromhex "$(tlv 30 "020103$authCI$macData")" mismatch.p12
# self-check: MAC verifies, and the key really is Bob's while the certificate is Alice's
openssl pkcs12 -in mismatch.p12 -passin file:password.txt -nodes -out work/mismatch.out 2>work/p12.log \
  || { cat work/p12.log >&2; echo "make-pki: mismatch.p12 does not parse" >&2; exit 1; }
[ "$(openssl pkey -in work/mismatch.out -pubout)" = "$(openssl pkey -in rsa3072.key -pubout)" ] \
  && [ "$(openssl x509 -in work/mismatch.out -noout -fingerprint -sha256)" = "$(openssl x509 -in rsa2048.pem -noout -fingerprint -sha256)" ] \
  || { echo "make-pki: mismatch.p12 self-check failed" >&2; exit 1; }

# ---------------------------------------------------------------- message and fingerprints
printf '%s\r\n' \
  'From: Alice <alice@example.test>' \
  'To: Bob <bob@example.test>' \
  'Subject: Quarterly figures' \
  'Date: Tue, 03 Mar 2026 10:15:00 +0000' \
  'Message-ID: <sealpost-test-1@example.test>' \
  'MIME-Version: 1.0' \
  'Content-Type: text/plain; charset=utf-8' \
  'Content-Transfer-Encoding: 8bit' \
  '' \
  'Hello Bob,' \
  '' \
  'the figures are attached below. Grüße aus Köln — ünïcödé ✓.' \
  'From here on everything is confidential.' \
  '.a line starting with a dot' \
  'Regards,' \
  'Alice' > msg.eml

: > fingerprints.txt
for n in ca other-ca rsa2048 rsa3072 p256 p384 ed25519 expired notyet wrongeku stranger; do
  printf '%s %s\n' "$n" "$(openssl x509 -in "$n.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')" >> fingerprints.txt
done

rm -rf work
touch .done
