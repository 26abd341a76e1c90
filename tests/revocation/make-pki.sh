#!/usr/bin/env bash
# make-pki.sh OUTDIR HTTP_PORT OCSP_PORT ROGUE_PORT — a small PKI whose certificates point at
# revocation services on 127.0.0.1 (bash + openssl 3.0 only; used by tests/revocation.rs).
#
#   ca.{key,pem}        "Revocation Test CA", P-256, keyCertSign+cRLSign
#   ocsp.{key,pem}      delegated OCSP responder issued by the CA (EKU OCSPSigning)
#   noeku.{key,pem}     issued by the CA but without EKU OCSPSigning (may not answer for it)
#   rogue.{key,pem}     self-signed "Rogue Responder" with EKU OCSPSigning (not certified by the CA)
#   imposter.{key,pem}  another key under the CA's exact name (forges CRLs)
#   users (P-256, EKU emailProtection, issued by the CA):
#     alice  CRL DP http://127.0.0.1:HTTP/ca.crl + OCSP http://127.0.0.1:OCSP/   good
#     bob    CRL DP only                                revoked on the CRL (keyCompromise)
#     carol  OCSP only                                  revoked in the responder's index only
#     dave   OCSP only                                  unknown to the responder
#     erin   OCSP at ROGUE                              answered by the rogue responder
#     frank  CRL DP and OCSP both at HTTP               (the counting server: POSTs get 404)
#   ocsp-index.txt      the responder's database (alice V, bob R, carol R, frank V)
#   crl-index.txt       the CRL's database (alice V, bob R)
#   ca.crl / ca.crl.pem current CRL (nextUpdate in 7 days, IDP = the CRL URL, user certificates
#                       only, so it covers alice, bob and frank, not the OCSP-only users), DER / PEM
#   stale.crl           CRL with thisUpdate 2020-01-01 and nextUpdate 2020-02-01
#   forged.crl          a CRL listing nothing, signed by the imposter key
set -euo pipefail
OUT=${1:?usage: make-pki.sh OUTDIR HTTP_PORT OCSP_PORT ROGUE_PORT}
HTTP_PORT=${2:?}
OCSP_PORT=${3:?}
ROGUE_PORT=${4:?}
mkdir -p "$OUT"
cd "$OUT"
export OPENSSL_CONF=/dev/null
CRL_URL="http://127.0.0.1:$HTTP_PORT/ca.crl"
OCSP_URL="http://127.0.0.1:$OCSP_PORT/"
ROGUE_URL="http://127.0.0.1:$ROGUE_PORT/"
COUNT_OCSP_URL="http://127.0.0.1:$HTTP_PORT/ocsp"

cat > req.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
CNF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

key ca
openssl req -config req.cnf -new -x509 -key ca.key -out ca.pem -days 3650 -sha256 \
  -subj "/CN=Revocation Test CA" -set_serial 1 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash"
key imposter
openssl req -config req.cnf -new -x509 -key imposter.key -out imposter.pem -days 3650 -sha256 \
  -subj "/CN=Revocation Test CA" -set_serial 1 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
key rogue
openssl req -config req.cnf -new -x509 -key rogue.key -out rogue.pem -days 3650 -sha256 \
  -subj "/CN=Rogue Responder" -set_serial 7 \
  -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=OCSPSigning"

# issue NAME SERIAL_HEX SUBJECT EXTRA_EXT_LINES...
issue() {
  local name=$1 serial=$2 subject=$3
  shift 3
  key "$name"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "authorityKeyIdentifier=keyid"
    echo "subjectKeyIdentifier=hash"
    for l in "$@"; do echo "$l"; done
  } > "$name.ext"
  openssl req -config req.cnf -new -key "$name.key" -subj "$subject" -out "$name.csr"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$serial" \
    -days 825 -sha256 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
}
user() {
  local name=$1 serial=$2
  shift 2
  issue "$name" "$serial" "/CN=$name@example.test" \
    "keyUsage=critical,digitalSignature,keyAgreement" "extendedKeyUsage=emailProtection" \
    "subjectAltName=email:$name@example.test" "$@"
}
issue ocsp 1F "/CN=Revocation Test OCSP Responder" \
  "keyUsage=critical,digitalSignature" "extendedKeyUsage=OCSPSigning"
issue noeku 2F "/CN=Revocation Test Unauthorised Responder" "keyUsage=critical,digitalSignature"
user alice A1 "crlDistributionPoints=URI:$CRL_URL" "authorityInfoAccess=OCSP;URI:$OCSP_URL"
user bob B2 "crlDistributionPoints=URI:$CRL_URL"
user carol C3 "authorityInfoAccess=OCSP;URI:$OCSP_URL"
user dave D4 "authorityInfoAccess=OCSP;URI:$OCSP_URL"
user erin E5 "authorityInfoAccess=OCSP;URI:$ROGUE_URL"
user frank F6 "crlDistributionPoints=URI:$CRL_URL" "authorityInfoAccess=OCSP;URI:$COUNT_OCSP_URL"

# openssl ca database lines: status, expiry, revocation[,reason], serial, file, subject.
EXP=$(date -u -d '+800 days' +%y%m%d%H%M%SZ)
REV=$(date -u -d '-1 day' +%y%m%d%H%M%SZ)
line() { printf '%s\t%s\t%s\t%s\tunknown\t/CN=%s@example.test\n' "$1" "$EXP" "$2" "$3" "$4"; }
{
  line V "" A1 alice
  line R "$REV,keyCompromise" B2 bob
  line R "$REV,superseded" C3 carol
  line V "" F6 frank
} > ocsp-index.txt
{
  line V "" A1 alice
  line R "$REV,keyCompromise" B2 bob
} > crl-index.txt
printf 'unique_subject = no\n' > ocsp-index.txt.attr
cp ocsp-index.txt.attr crl-index.txt.attr

ca_cnf() {
  cat <<CNF
[ca]
default_ca = d
[d]
database = $1
certificate = $2
private_key = $3
crlnumber = $4
default_md = sha256
default_crl_days = 7
crl_extensions = crlext
[crlext]
authorityKeyIdentifier = keyid:always
issuingDistributionPoint = @idp
[idp]
fullname = URI:$CRL_URL
onlyuser = TRUE
CNF
}
echo 01 > crlnumber
ca_cnf crl-index.txt ca.pem ca.key crlnumber > ca.cnf
openssl ca -config ca.cnf -gencrl -out ca.crl.pem 2>/dev/null
openssl crl -in ca.crl.pem -outform DER -out ca.crl
openssl ca -config ca.cnf -gencrl -crl_lastupdate 200101000000Z -crl_nextupdate 200201000000Z \
  -out stale.crl.pem 2>/dev/null
openssl crl -in stale.crl.pem -outform DER -out stale.crl
: > empty-index.txt
cp ocsp-index.txt.attr empty-index.txt.attr
echo 01 > imposter-crlnumber
ca_cnf empty-index.txt imposter.pem imposter.key imposter-crlnumber > imposter.cnf
openssl ca -config imposter.cnf -gencrl -out forged.crl.pem 2>/dev/null
openssl crl -in forged.crl.pem -outform DER -out forged.crl
touch .done
