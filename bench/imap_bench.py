#!/usr/bin/env python3
"""Helper of bench/imap-sync.sh.

fill MAILDIR COUNT      writes COUNT realistic messages into a Maildir (cur/, flags in the
                        name, mtime = the Date header, which Dovecot reports as INTERNALDATE)
fetch PORT USER PASS CA one plain protocol fetch over implicit TLS with imaplib:
                        EXAMINE INBOX, UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE
                        BODY.PEEK[HEADER]); prints the number of messages fetched
"""
import base64
import email.header
import email.utils
import imaplib
import os
import random
import ssl
import sys

FIRST = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
         "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter"]
LAST = ["Meyer", "Schmidt", "Novak", "Rossi", "Garcia", "Smith", "Dubois", "Jensen", "Kowalski",
        "Müller", "Öztürk", "Nakamura", "O'Brien", "Fernández"]
DOMAINS = ["example.test", "corp.example", "mail.example.org", "lab.example.net"]
TOPICS = ["Quarterly figures", "Meeting on Thursday", "Re: contract draft", "Invoice 2026-",
          "Fwd: travel plans", "Status report", "Question about the release", "Lunch?",
          "Re: Re: budget review", "Certificate renewal", "Grüße aus Köln", "Security notice",
          "Minutes of the board meeting", "Your order has shipped", "Re: patch review"]
WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at "
         "which but have an they you were her she there one all we their can has more if will "
         "would about so what up out them some could into than then its only other new time "
         "report figures meeting contract budget release review certificate").split()


def person(rng):
    f, l = rng.choice(FIRST), rng.choice(LAST)
    addr = f"{f.lower()}.{l.lower().replace(chr(39), '')}@{rng.choice(DOMAINS)}"
    name = f"{f} {l}"
    if not name.isascii():
        name = email.header.Header(name, "utf-8").encode()
    return f"{name} <{addr.encode('ascii', 'ignore').decode()}>"


def text(rng, n):
    lines, line = [], []
    while sum(len(x) + 1 for x in lines) < n:
        line.append(rng.choice(WORDS))
        if len(" ".join(line)) > 66:
            lines.append(" ".join(line))
            line = []
    return "\r\n".join(lines) + "\r\n"


def b64(rng, n):
    raw = base64.b64encode(rng.randbytes(n)).decode()
    return "\r\n".join(raw[i:i + 76] for i in range(0, len(raw), 76)) + "\r\n"


def message(rng, i, when):
    subject = rng.choice(TOPICS) + (str(i) if rng.random() < 0.2 else "")
    if not subject.isascii():
        subject = email.header.Header(subject, "utf-8").encode()
    hdr = [
        f"Return-Path: <bounce-{i}@example.test>",
        f"Received: from mx{i % 7}.example.test (mx{i % 7}.example.test [192.0.2.{i % 250 + 1}])"
        f"\r\n\tby mail.example.test with ESMTPS id {i:08X}\r\n\tfor <alice@example.test>;"
        f" {email.utils.formatdate(when)}",
        f"From: {person(rng)}",
        "To: Alice Meyer <alice@example.test>",
    ]
    if rng.random() < 0.3:
        hdr.append(f"Cc: {person(rng)}, {person(rng)}")
    hdr += [
        f"Subject: {subject}",
        f"Date: {email.utils.formatdate(when)}",
        f"Message-ID: <{i}.{rng.getrandbits(48):x}@example.test>",
        "MIME-Version: 1.0",
    ]
    kind = rng.random()
    size = rng.randint(1500, 6000)
    if kind < 0.15:  # S/MIME encrypted (RFC 8551 §3.3)
        hdr += ['Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
                "Content-Transfer-Encoding: base64",
                'Content-Disposition: attachment; filename="smime.p7m"']
        body = b64(rng, size * 3 // 4)
    elif kind < 0.35:  # S/MIME clear-signed (RFC 8551 §3.5)
        b = f"----=_signed_{i}"
        hdr.append(f'Content-Type: multipart/signed; protocol="application/pkcs7-signature";'
                   f'\r\n\tmicalg=sha-256; boundary="{b}"')
        body = (f"--{b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text(rng, size - 1800)}"
                f"--{b}\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
                f"Content-Transfer-Encoding: base64\r\n"
                f"Content-Disposition: attachment; filename=smime.p7s\r\n\r\n{b64(rng, 1300)}"
                f"--{b}--\r\n")
    else:
        hdr.append("Content-Type: text/plain; charset=utf-8")
        body = text(rng, size)
    return ("\r\n".join(hdr) + "\r\n\r\n" + body).encode()


def fill(maildir, count):
    rng = random.Random(4711)
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, d), exist_ok=True)
    start = 1735689600  # 2025-01-01
    step = (1767225600 - start) // count
    for i in range(count):
        when = start + i * step + rng.randint(0, step)
        data = message(rng, i, when)
        flags = "".join(f for f, p in (("F", 0.05), ("R", 0.2), ("S", 0.7)) if rng.random() < p)
        name = os.path.join(maildir, "cur", f"{when}.M{i}P1.bench,S={len(data)}:2,{flags}")
        with open(name, "wb") as f:
            f.write(data)
        os.utime(name, (when, when))


def fetch(port, user, password, ca):
    ctx = ssl.create_default_context(cafile=ca)
    with imaplib.IMAP4_SSL("localhost", int(port), ssl_context=ctx) as m:
        m.login(user, password)
        typ, _ = m.select("INBOX", readonly=True)
        assert typ == "OK"
        typ, data = m.uid("FETCH", "1:*",
                          "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])")
        assert typ == "OK"
        # each message is a (prefix, literal) tuple followed by the closing ")"
        n = sum(1 for d in data if isinstance(d, tuple))
        print(n)


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "fetch":
        fetch(*sys.argv[2:6])
    else:
        sys.exit(__doc__)
