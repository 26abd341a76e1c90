// Certificates and messages the fake backend serves. Fingerprints are 64 hex digits (SHA-256).
const inDays = (d) => new Date(Date.now() + d * 86400000).toISOString();
const fp = (c) => c.repeat(64);

function cert(over) {
  return {
    kind: 'person',
    trusted: false,
    trusted_path: false,
    fingerprint: fp('0'),
    subject: 'CN=Someone',
    issuer: 'CN=Example Test CA, O=Example',
    common_name: 'Someone',
    serial: '01',
    emails: [],
    not_before: inDays(-30),
    not_after: inDays(335),
    key: 'RSA 3072',
    key_usage: ['digitalSignature', 'keyEncipherment'],
    extended_key_usage: ['emailProtection'],
    is_ca: false,
    subject_key_id: null,
    authority_key_id: null,
    can_sign: true,
    can_encrypt: true,
    sign_problem: null,
    encrypt_problem: null,
    revocation: { state: 'not-checked', text: 'Not checked yet', source: null, checked_at: null, revoked_at: null, reason: null },
    ...over,
  };
}

export const ca = cert({
  kind: 'authority',
  fingerprint: fp('c'),
  subject: 'CN=Example Test CA, O=Example',
  issuer: 'CN=Example Test CA, O=Example',
  common_name: 'Example Test CA',
  serial: '1000',
  key: 'ECDSA P-384',
  key_usage: ['keyCertSign', 'cRLSign'],
  extended_key_usage: null,
  is_ca: true,
  not_after: inDays(3400),
  can_sign: false,
  can_encrypt: false,
  sign_problem: 'a certificate authority does not sign mail',
  encrypt_problem: 'a certificate authority does not receive mail',
});

export const alice = cert({
  kind: 'identity',
  fingerprint: fp('a'),
  subject: 'CN=Alice Example, O=Example',
  common_name: 'Alice Example',
  serial: '2a',
  emails: ['alice@example.test'],
  key: 'RSA 3072',
});

export const bob = cert({
  fingerprint: fp('b'),
  subject: 'CN=Bob Builder, O=Example',
  common_name: 'Bob Builder',
  serial: '2b',
  emails: ['bob@example.test'],
  key: 'ECDSA P-256',
  key_usage: ['digitalSignature', 'keyAgreement'],
  not_after: inDays(21),
});

export const dave = cert({
  fingerprint: fp('d'),
  subject: 'CN=Dave Signonly',
  common_name: 'Dave Signonly',
  serial: '2d',
  emails: ['dave@example.test'],
  key_usage: ['digitalSignature'],
  can_encrypt: false,
  encrypt_problem: 'the key usage does not allow encryption',
  not_after: inDays(-3),
});

/** Revocation answers the fake refresh applies (by fingerprint), and the refresh result. */
export const revocationAnswers = {
  [fp('a')]: { state: 'good', text: 'Not revoked (checked 2026-11-28 via OCSP)', source: 'OCSP', checked_at: '2026-11-28T10:00:00Z', revoked_at: null, reason: null },
  [fp('b')]: {
    state: 'revoked',
    text: 'Revoked on 2026-11-20 (key compromise), according to the CRL',
    source: 'CRL',
    checked_at: '2026-11-28T10:00:00Z',
    revoked_at: '2026-11-20T08:00:00Z',
    reason: 'key compromise',
  },
};

export const refreshResult = {
  mode: 'when-available',
  finished_at: '2026-11-28T10:00:00Z',
  sources: [
    { kind: 'ocsp', url: 'http://ocsp.example.test/', subject: 'CN=Alice Example, O=Example', ok: true, detail: 'good, signed by CN=Example OCSP' },
    { kind: 'crl', url: 'http://crl.example.test/ca.crl', subject: 'CN=Example Test CA, O=Example', ok: true, detail: 'CRL of CN=Example Test CA, 1 revoked' },
    { kind: 'ocsp', url: 'http://down.example.test/', subject: 'CN=Dave Signonly', ok: false, detail: 'cannot reach down.example.test: connection refused' },
  ],
};

export const chains = { [alice.fingerprint]: [ca.fingerprint], [bob.fingerprint]: [ca.fingerprint] };

export const files = {
  '/home/user/alice.p12': { password: 'secret', certs: [alice] },
  '/home/user/bob.cer': { certs: [bob] },
  '/home/user/ca.pem': { certs: [ca] },
};

const report = (layers, signed, encrypted, valid, more = {}) => ({
  encrypted,
  signed,
  valid,
  from: null,
  protected_headers: [],
  header_mismatches: [],
  layers,
  cert_changes: [],
  ...more,
});
const sig = (over) => ({ status: 'valid', reason: '', emails: ['alice@example.test'], fingerprint: fp('a'), algorithm: 'RSA PKCS#1 v1.5 SHA-256', signing_time: null, reason_code: null, anchor: null, ...over });

export const messages = {
  '/home/user/signed-encrypted.eml': {
    needsKey: true,
    view: {
      id: 7,
      report: report(
        [
          { type: 'auth-enveloped', cipher: 'aes-256-gcm' },
          {
            type: 'signed',
            form: 'multipart-signed',
            signatures: [
              { status: 'valid', reason: '', emails: ['alice@example.test'], fingerprint: fp('a'), algorithm: 'RSA PKCS#1 v1.5 SHA-256', signing_time: inDays(-1) },
            ],
          },
        ],
        true,
        true,
        true,
        { from: 'alice@example.test', protected_headers: ['cc', 'date', 'from', 'subject', 'to'] },
      ),
      headers: {
        from: 'Alice Example <alice@example.test>',
        from_name_looks_like_address: false,
        to: 'Bob Builder <bob@example.test>',
        cc: '',
        subject: 'Quarterly figures',
        date: 'Tue, 24 Nov 2026 10:15:00 +0000',
        message_id: '<q4@example.test>',
      },
      text: 'Plain version',
      html:
        '<h2 style="color:#225">Quarterly figures</h2><p id="hello">Hello <b>Bob</b>, the figures are attached.</p>' +
        '<script>document.body.setAttribute("data-script-ran","yes"); try { parent.__pwned = true } catch (e) {}</script>' +
        '<img id="tracker" src="http://127.0.0.1:9/track.png" alt="">',
      attachments: [
        { index: 0, filename: 'figures-q4.pdf', content_type: 'application/pdf', size: 48213 },
        { index: 1, filename: 'notes.txt', content_type: 'text/plain', size: 912 },
      ],
    },
  },
  '/home/user/tampered.eml': {
    view: {
      id: 8,
      report: report(
        [
          {
            type: 'signed',
            form: 'multipart-signed',
            signatures: [
              { status: 'invalid', reason: 'the message was changed after it was signed', emails: ['alice@example.test'], fingerprint: fp('a'), algorithm: 'RSA PKCS#1 v1.5 SHA-256', signing_time: null },
            ],
          },
        ],
        true,
        false,
        false,
        { from: 'alice@example.test' },
      ),
      headers: { from: 'alice@example.test', from_name_looks_like_address: false, to: 'bob@example.test', cc: '', subject: 'Payment details', date: '', message_id: '' },
      text: 'Please pay invoice 42 to the new account.\n\nAlice',
      html: null,
      attachments: [],
    },
  },
  '/home/user/plain.eml': {
    view: {
      id: 9,
      report: report([], false, false, false),
      headers: { from: 'carol@example.test', from_name_looks_like_address: false, to: 'bob@example.test', cc: 'dave@example.test', subject: 'Lunch?', date: '', message_id: '' },
      text: 'Lunch on Friday?',
      html: null,
      attachments: [],
    },
  },
};

// A REPLY attack: mallory signed alice's encrypted message (AES-CBC, nothing signed inside)
// and sent it on as his own.
messages['/home/user/resent.eml'] = {
  view: {
    id: 10,
    report: report(
      [
        {
          type: 'signed',
          form: 'opaque',
          signatures: [
            sig({
              status: 'outside-encryption',
              reason: 'the signature covers only the encrypted data, not the content: the signer may never have read it, and it vouches for none of it',
              emails: ['mallory@example.test'],
              fingerprint: fp('e'),
            }),
          ],
        },
        { type: 'enveloped', cipher: 'aes-256-cbc' },
      ],
      false,
      true,
      false,
      { from: 'mallory@example.test' },
    ),
    headers: { from: 'Mallory <mallory@example.test>', from_name_looks_like_address: false, to: 'bob@example.test', cc: '', subject: 'Fwd: the plan', date: 'Wed, 25 Nov 2026 08:00:00 +0000', message_id: '<r1@example.test>' },
    text: 'Bob, the safe code is 4711.\nAlice',
    html: null,
    attachments: [],
  },
};

// A spoofed sender: the display name is alice's address, the real one is carol's; the protected
// From and Subject differ from the outer ones; alice's signature does not match the sender.
messages['/home/user/spoofed.eml'] = {
  view: {
    id: 11,
    report: report(
      [
        { type: 'auth-enveloped', cipher: 'aes-256-gcm' },
        {
          type: 'signed',
          form: 'multipart-signed',
          signatures: [
            sig({
              status: 'mismatched-sender',
              reason: 'signed by alice@example.test, but the message is from "Your bank <security@bank.test>" carol@bar.test',
              signing_time: '2026-12-04T10:00:00Z',
            }),
          ],
        },
      ],
      true,
      true,
      false,
      { from: 'carol@bar.test', protected_headers: ['from', 'subject', 'to'], header_mismatches: ['from', 'subject'] },
    ),
    headers: {
      from: '"alice@example.test" <carol@bar.test>',
      from_name_looks_like_address: true,
      to: 'bob@example.test',
      cc: '',
      subject: 'New bank details',
      date: 'Fri, 04 Dec 2026 10:00:00 +0000',
      message_id: '<s1@bar.test>',
    },
    text: null,
    html: '<p id="pay">Please pay to the new account.</p>',
    attachments: [],
  },
};

export const fullScenario = () => ({ certs: [alice, bob, ca, dave], chains, files, messages });
