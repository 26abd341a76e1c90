// A stateful fake of the app's Tauri commands (docs/ipc.md), run inside the page. Installed by
// harness.mjs with a scenario object; it records every call in window.__calls and answers the
// native dialogs from window.__dialogAnswers (a queue the test fills; empty = cancelled).
/* eslint-disable */
window.__installFakeBackend = function (scenario) {
  const { mockIPC, mockWindows } = window.__TAURI_MOCKS__;
  const clone = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));
  const state = {
    certs: clone(scenario.certs || []),
    keystore: clone(scenario.keystore || { kind: 'os', available: true, unlocked: true, detail: 'Secret Service (gnome-keyring)' }),
    files: clone(scenario.files || {}),
    messages: clone(scenario.messages || {}),
    chains: clone(scenario.chains || {}),
    passphrase: scenario.passphrase || 'correct horse battery',
    delays: scenario.delays || {},
    progress: scenario.progress || {},
    revocationMode: scenario.revocationMode || 'when-available',
    revocationAnswers: clone(scenario.revocationAnswers || {}),
    refreshResult: clone(scenario.refreshResult || { mode: 'when-available', finished_at: '2026-11-28T10:00:00Z', sources: [] }),
  };
  window.__calls = [];
  window.__dialogAnswers = [];
  window.__fakeState = state;

  const reject = (code, message) => Promise.reject({ code, message });
  const count = (kind) => state.certs.filter((c) => c.kind === kind).length;
  const status = () => ({
    version: '0.1.0',
    home: '/home/user/.local/share/sealpost',
    keystore: clone(state.keystore),
    identities: count('identity'),
    people: count('person'),
    authorities: count('authority'),
  });
  const locked = () => state.keystore.kind === 'file' && !state.keystore.unlocked;
  const find = (fp) => state.certs.find((c) => c.fingerprint === fp);
  const emit = (event, payload) => window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event, payload });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function handle(cmd, args) {
    switch (cmd) {
      case 'plugin:dialog|open':
      case 'plugin:dialog|save':
        return window.__dialogAnswers.length ? window.__dialogAnswers.shift() : null;
      case 'app_status':
        return status();
      case 'list_certificates':
        return clone(state.certs);
      case 'certificate_details': {
        const cert = find(args.fingerprint);
        if (!cert) return reject('not-found', 'no certificate with that fingerprint');
        const days = Math.floor((Date.parse(cert.not_after) - Date.now()) / 86400000);
        const chain = (state.chains[cert.fingerprint] || []).map(find).filter(Boolean);
        const trustedPath = cert.trusted || chain.some((c) => c.trusted);
        return {
          cert: clone(cert),
          chain: clone(chain),
          sha1_fingerprint: cert.fingerprint.slice(0, 40),
          days_left: days,
          validity: days < 0 ? 'expired' : 'valid',
          trusted_path: trustedPath,
          trust: trustedPath ? 'Issued by an authority you trust.' : 'No trusted authority vouches for this certificate.',
          anchor: null,
          has_private_key: cert.kind === 'identity',
        };
      }
      case 'import_files': {
        const imported = [];
        const crls = [];
        for (const path of args.paths) {
          const entry = state.files[path];
          if (!entry) return reject('bad-input', `${path.split('/').pop()} is not a certificate Sealpost can read`);
          if (entry.password !== undefined) {
            if (locked()) return reject('keystore-locked', 'the key file is locked');
            if (args.password === null) return reject('bad-input', 'a password is needed for this file');
            if (args.password !== entry.password) return reject('wrong-password', `the password for ${path.split('/').pop()} is not right`);
          }
          for (const crl of entry.crls || []) {
            crls.push(clone(crl.summary));
            for (const [fp, answer] of Object.entries(crl.revokes || {})) {
              const c = find(fp);
              if (c) c.revocation = clone(answer);
            }
          }
          for (const c of entry.certs || []) {
            state.certs = state.certs.filter((x) => x.fingerprint !== c.fingerprint).concat([clone(c)]);
            imported.push(clone(c));
          }
        }
        return { imported, crls };
      }
      case 'export_certificate':
        return find(args.fingerprint) ? null : reject('not-found', 'no such certificate');
      case 'trust_certificate': {
        const c = find(args.fingerprint);
        if (!c) return reject('not-found', 'no such certificate');
        c.trusted = true;
        return clone(c);
      }
      case 'delete_certificate': {
        const c = find(args.fingerprint);
        if (!c) return reject('not-found', 'no such certificate');
        state.certs = state.certs.filter((x) => x !== c);
        return clone(c);
      }
      case 'open_message': {
        const m = state.messages[args.path];
        if (!m) return reject('bad-input', 'not a MIME message');
        if (m.needsKey && locked()) return reject('keystore-locked', 'the key file is locked');
        return clone(m.view);
      }
      case 'save_attachment':
        return null;
      case 'recipient_status':
        return args.emails.map((email) => {
          const c = state.certs.find((x) => x.kind !== 'authority' && x.emails.some((e) => e.toLowerCase() === email.toLowerCase()));
          return {
            email,
            has_certificate: !!(c && c.can_encrypt),
            fingerprint: c ? c.fingerprint : null,
            problem: c && !c.can_encrypt ? c.encrypt_problem : null,
          };
        });
      case 'compose_message': {
        const d = args.draft;
        if (d.sign && locked()) return reject('keystore-locked', 'the key file is locked');
        return {
          path: args.path,
          size: 2048 + d.body.length,
          signed: d.sign,
          encrypted: d.encrypt,
          cipher: d.encrypt ? 'aes-256-gcm' : null,
          recipients: d.encrypt ? [...d.to, ...d.cc, d.from] : [],
        };
      }
      case 'use_file_keystore':
        if (args.passphrase.length < 8) return reject('bad-input', 'the passphrase is too short');
        state.keystore = { kind: 'file', available: true, unlocked: true, detail: '/home/user/.local/share/sealpost/keys.sealed' };
        return status();
      case 'unlock_keystore':
        if (args.passphrase !== state.passphrase) return reject('wrong-password', 'that passphrase does not open the key file');
        state.keystore.unlocked = true;
        return status();
      case 'use_os_keystore':
        if (!state.keystore.available && state.keystore.kind === 'os') return reject('keystore-unavailable', 'no Secret Service answered on the session bus');
        state.keystore = { kind: 'os', available: true, unlocked: true, detail: 'Secret Service' };
        return status();
      case 'revocation_mode':
        return state.revocationMode;
      case 'set_revocation_mode':
        if (!['off', 'when-available', 'required'].includes(args.mode)) return reject('bad-input', `unknown mode ${args.mode}`);
        state.revocationMode = args.mode;
        for (const c of state.certs) {
          if (args.mode === 'off') c.revocation = { state: 'off', text: 'Revocation checking is off', source: null, checked_at: null, revoked_at: null, reason: null };
        }
        return state.revocationMode;
      case 'refresh_revocation': {
        for (const c of state.certs) {
          const answer = state.revocationAnswers[c.fingerprint];
          if (answer && state.revocationMode !== 'off') c.revocation = clone(answer);
        }
        const result = { ...clone(state.refreshResult), mode: state.revocationMode };
        if (state.revocationMode === 'off') result.sources = [];
        return result;
      }
      default:
        return reject('bad-input', `the fake backend has no command ${cmd}`);
    }
  }

  mockWindows('main');
  mockIPC(
    async (cmd, args) => {
      window.__calls.push({ cmd, args: clone(args) });
      const steps = state.progress[cmd];
      if (steps) {
        for (const p of steps) {
          await sleep(40);
          await emit('progress', p);
        }
      }
      if (state.delays[cmd]) await sleep(state.delays[cmd]);
      return handle(cmd, args);
    },
    { shouldMockEvents: true },
  );
};
