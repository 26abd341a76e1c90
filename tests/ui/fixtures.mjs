// Certificates and messages the fake backend serves. Fingerprints are 64 hex digits (SHA-256).
const inDays = (d) => new Date(Date.now() + d * 86400000).toISOString();
const fp = (c) => c.repeat(64);

function cert(over) {
  return {
    kind: 'person',
    trusted: false,
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

const report = (layers, signed, encrypted, valid) => ({ encrypted, signed, valid, layers });

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
      ),
      headers: {
        from: 'Alice Example <alice@example.test>',
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
      ),
      headers: { from: 'alice@example.test', to: 'bob@example.test', cc: '', subject: 'Payment details', date: '', message_id: '' },
      text: 'Please pay invoice 42 to the new account.\n\nAlice',
      html: null,
      attachments: [],
    },
  },
  '/home/user/plain.eml': {
    view: {
      id: 9,
      report: report([], false, false, false),
      headers: { from: 'carol@example.test', to: 'bob@example.test', cc: 'dave@example.test', subject: 'Lunch?', date: '', message_id: '' },
      text: 'Lunch on Friday?',
      html: null,
      attachments: [],
    },
  },
};

export const fullScenario = () => ({ certs: [alice, bob, ca, dave], chains, files, messages });
