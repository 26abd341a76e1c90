#!/usr/bin/env bash
# start.sh DIR — start a private Dovecot (IMAP STARTTLS, IMAPS, LMTP) and Postfix (plain SMTP
# and submission with STARTTLS + AUTH via Dovecot SASL, delivery to Dovecot over LMTP) on
# 127.0.0.1, no systemd, everything under DIR. Needs root and the Debian packages
# dovecot-imapd dovecot-lmtpd postfix (notes/platform.md §7).
#
# Ports come from the environment (the caller picks free ones): IMAP_PORT IMAPS_PORT LMTP_PORT
# SMTP_PORT SUBMISSION_PORT, and optionally SUBMISSIONS_PORT (submission over implicit TLS,
# RFC 8314). Writes DIR/ca.pem (the test CA of the server certificates).
# Users (passwd-file): alice@example.test / alicepw, bob@example.test / bobpw,
# carol@example.test / carolpw.
# Stop with stop.sh DIR.
set -euo pipefail
D=$(cd "$1" && pwd)
: "${IMAP_PORT:?}" "${IMAPS_PORT:?}" "${LMTP_PORT:?}" "${SMTP_PORT:?}" "${SUBMISSION_PORT:?}"
SUBMISSIONS_PORT=${SUBMISSIONS_PORT:-}
chmod 755 "$D"
mkdir -p "$D/certs" "$D/run" "$D/vmail" "$D/postfix" "$D/postfix-queue" "$D/postfix-data"

# A test CA and a server certificate for localhost / 127.0.0.1 signed by it.
if [ ! -f "$D/certs/server.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/certs/ca.key" -out "$D/ca.pem" \
    -days 3650 -subj "/CN=Sealpost Mail Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -new -newkey rsa:2048 -nodes -keyout "$D/certs/server.key" -out "$D/certs/server.csr" \
    -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > "$D/certs/ext.cnf"
  openssl x509 -req -in "$D/certs/server.csr" -CA "$D/ca.pem" -CAkey "$D/certs/ca.key" -CAcreateserial \
    -days 3650 -extfile "$D/certs/ext.cnf" -out "$D/certs/server.crt" 2>/dev/null
fi
chmod 644 "$D/certs/server.crt" "$D/ca.pem"; chmod 600 "$D/certs/server.key" "$D/certs/ca.key"

cat > "$D/users" <<USERS
alice@example.test:{PLAIN}alicepw::::::
bob@example.test:{PLAIN}bobpw::::::
carol@example.test:{PLAIN}carolpw::::::
USERS
chmod 644 "$D/users"
chown mail:mail "$D/vmail"; chmod 700 "$D/vmail"
chown postfix "$D/postfix-data"

cat > "$D/dovecot.conf" <<CONF
protocols = imap lmtp
listen = 127.0.0.1
base_dir = $D/run/dovecot
state_dir = $D/run/dovecot-state
log_path = $D/dovecot.log
info_log_path = $D/dovecot.log
default_login_user = dovenull
default_internal_user = dovecot
ssl = required
ssl_cert = <$D/certs/server.crt
ssl_key = <$D/certs/server.key
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/users
}
userdb {
  driver = static
  args = uid=mail gid=mail home=$D/vmail/%d/%n
}
first_valid_uid = 8
first_valid_gid = 8
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
protocol lmtp {
  auth_username_format = %u
}
CONF

cat > "$D/postfix/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $D/postfix-queue
data_directory = $D/postfix-data
maillog_file_prefixes = $D
maillog_file = $D/postfix.log
myhostname = mail.example.test
mydomain = example.test
myorigin = \$mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = no
virtual_mailbox_domains = example.test
virtual_mailbox_maps = texthash:$D/postfix/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
default_transport = error:no outbound mail in tests
relay_transport = error:no outbound mail in tests
smtpd_tls_cert_file = $D/certs/server.crt
smtpd_tls_key_file = $D/certs/server.key
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = $D/run/dovecot/auth-postfix
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
message_size_limit = 52428800
CONF

cat > "$D/postfix/master.cf" <<CONF
127.0.0.1:$SMTP_PORT inet n  -       n       -       -       smtpd
127.0.0.1:$SUBMISSION_PORT inet n  -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
${SUBMISSIONS_PORT:+127.0.0.1:$SUBMISSIONS_PORT inet n  -       n       -       -       smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject}
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
printf 'alice@example.test OK\nbob@example.test OK\ncarol@example.test OK\n' > "$D/postfix/vmailbox"

# Daemons must not inherit the caller's stdout/stderr (a caller reading them to EOF would hang).
dovecot -c "$D/dovecot.conf" </dev/null >>"$D/dovecot.log" 2>&1
# postfix prints its errors only to a tty or maillog_file; `script` gives it a tty
script -qec "postfix -c $D/postfix check && postfix -c $D/postfix start" /dev/null </dev/null >"$D/postfix-start.out" 2>&1 || {
  cat "$D/postfix-start.out" >&2; exit 1; }
for p in $LMTP_PORT $IMAPS_PORT $IMAP_PORT $SUBMISSION_PORT $SMTP_PORT $SUBMISSIONS_PORT; do
  up=0
  for _ in $(seq 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then up=1; break; fi
    sleep 0.1
  done
  [ $up = 1 ] || { echo "port $p did not open" >&2; cat "$D/dovecot.log" "$D/postfix.log" >&2 2>/dev/null; exit 1; }
done
echo "mail servers up in $D"
