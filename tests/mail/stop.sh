#!/usr/bin/env bash
# stop.sh DIR — stop the Dovecot and Postfix started by start.sh DIR.
D=$(cd "$1" && pwd)
[ -f "$D/dovecot.conf" ] && dovecot -c "$D/dovecot.conf" stop 2>/dev/null
[ -d "$D/postfix" ] && script -qec "postfix -c $D/postfix stop" /dev/null >/dev/null 2>&1
exit 0
