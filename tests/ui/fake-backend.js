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
    // CAs whose private key this home holds, and what they issued: { fp: { ca, serial, revoked_at, reason } }.
    caKeys: clone(scenario.caKeys || []),
    issued: clone(scenario.issued || {}),
    checks: clone(scenario.checks || {}),
    // Certificate changes not yet accepted: [CertChange].
    changes: clone(scenario.changes || []),
    // Mail: accounts, folders, messages by account/folder (newest last, as the core stores
    // them), opened views by uid, what the next sync delivers, the outbox, and SMTP's mood.
    mail: clone(scenario.mail || {}),
  };
  const mail = state.mail;
  mail.accounts = mail.accounts || [];
  mail.folders = mail.folders || [{ name: 'INBOX', delimiter: '/', special: 'inbox', selectable: true }];
  mail.boxes = mail.boxes || {};
  mail.views = mail.views || {};
  mail.incoming = mail.incoming || {};
  mail.outbox = mail.outbox || [];
  mail.sent = [];
  if (mail.generate) {
    // A large folder: `count` plain messages with UIDs 1..count.
    const { account, folder, count } = mail.generate;
    const start = Date.parse('2026-01-01T08:00:00Z');
    mail.boxes[`${account}/${folder}`] = Array.from({ length: count }, (_, i) => ({
      uid: i + 1,
      from: `Sender ${i + 1} <s${i + 1}@example.test>`,
      subject: `Message number ${i + 1}`,
      date: new Date(start + i * 60000).toISOString(),
      message_id: `<m${i + 1}@example.test>`,
      flags: i % 3 === 0 ? [] : ['\\Seen'],
      smime: i % 5 === 0 ? 'encrypted' : i % 5 === 1 ? 'signed' : 'none',
    }));
  }
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
    expiring: state.certs
      .filter((c) => c.kind === 'identity')
      .map((c) => ({ c, days: daysLeft(c) }))
      .filter(({ days }) => days < 30)
      .map(({ c, days }) => ({
        fingerprint: c.fingerprint,
        subject: c.subject,
        emails: clone(c.emails),
        not_after: c.not_after,
        days_left: days,
        threshold: days < 0 ? 0 : days < 7 ? 7 : days < 14 ? 14 : 30,
      })),
  });
  function daysLeft(c) {
    return Math.floor((Date.parse(c.not_after) - Date.now()) / 86400000);
  }
  const threshold = (days) => (days < 0 ? 0 : days < 7 ? 7 : days < 14 ? 14 : days < 30 ? 30 : null);
  const hex = (n) => n.toString(16).padStart(2, '0');
  const entry = (fp) => {
    const r = state.issued[fp];
    const c = find(fp);
    return {
      fingerprint: fp,
      name: c ? c.common_name || c.emails[0] || c.subject : `serial ${r.serial}`,
      emails: c ? clone(c.emails) : [],
      serial: r.serial,
      not_after: c ? c.not_after : new Date().toISOString(),
      ca_fingerprint: r.ca,
      revoked_at: r.revoked_at || null,
      reason: r.revoked_at ? r.reason : null,
    };
  };
  const locked = () => state.keystore.kind === 'file' && !state.keystore.unlocked;
  const find = (fp) => state.certs.find((c) => c.fingerprint === fp);
  // What the core adds to every opened message (older scenarios may leave it out).
  const complete = (view) => {
    view.report = { from: null, protected_headers: [], header_mismatches: [], cert_changes: [], ...view.report };
    view.headers = { from_name_looks_like_address: false, ...view.headers };
    return view;
  };
  const emit = (event, payload) => window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event, payload });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function handle(cmd, args) {
    switch (cmd) {
      case 'choose_files':
      case 'choose_save_path':
        return window.__dialogAnswers.length ? window.__dialogAnswers.shift() : null;
      case 'app_status':
        return status();
      case 'list_certificates':
        return clone(state.certs);
      case 'certificate_details': {
        const cert = find(args.fingerprint);
        if (!cert) return reject('not-found', 'no certificate with that fingerprint');
        const days = daysLeft(cert);
        const ownCa = cert.is_ca && state.caKeys.includes(cert.fingerprint);
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
          has_private_key: cert.kind === 'identity' || ownCa,
          expiry_warning: cert.is_ca ? null : threshold(days),
          issued: state.issued[cert.fingerprint] ? entry(cert.fingerprint) : null,
          changes: state.changes.filter((ch) => ch.new_fingerprint === cert.fingerprint),
          history: state.certs
            .filter((c) => c !== cert && c.kind === cert.kind && !c.is_ca && c.emails.some((e) => cert.emails.includes(e)))
            .sort((a, b) => Date.parse(b.not_before) - Date.parse(a.not_before))
            .map((c) => ({ cert: clone(c), has_private_key: c.kind === 'identity', newer: Date.parse(c.not_before) > Date.parse(cert.not_before) })),
          issued_certs: ownCa
            ? Object.keys(state.issued).filter((fp) => state.issued[fp].ca === cert.fingerprint).reverse().map(entry)
            : [],
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
      case 'untrust_certificate': {
        const c = find(args.fingerprint);
        if (!c) return reject('not-found', 'no such certificate');
        c.trusted = false;
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
        const view = complete(clone(m.view));
        view.report.cert_changes = state.changes.filter((ch) => (view.report.cert_changes || []).some((x) => x.new_fingerprint === ch.new_fingerprint));
        return view;
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
            change: (c && state.changes.find((ch) => ch.email === email.toLowerCase() && ch.new_fingerprint === c.fingerprint)) || null,
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
          recipients: d.encrypt ? [...d.to, ...d.cc, ...(d.bcc ?? []), d.from] : [],
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
      case 'create_ca': {
        if (!['p384', 'rsa3072', 'rsa4096'].includes(args.key)) return reject('bad-input', 'an organisation CA uses ECDSA P-384, RSA 3072 or RSA 4096');
        if (locked()) return reject('keystore-locked', 'the key file is locked');
        const n = state.certs.length + 1;
        const ca = {
          kind: 'authority', trusted: true, fingerprint: 'e' + hex(n).repeat(31) + 'e', subject: `CN=${args.name}`, issuer: `CN=${args.name}`,
          common_name: args.name, serial: '7f' + hex(n), emails: [], not_before: new Date().toISOString(),
          not_after: new Date(Date.now() + args.days * 86400000).toISOString(),
          key: { p384: 'ECDSA P-384', rsa3072: 'RSA 3072', rsa4096: 'RSA 4096' }[args.key],
          key_usage: ['keyCertSign', 'cRLSign'], extended_key_usage: null, is_ca: true, subject_key_id: null, authority_key_id: null,
          can_sign: false, can_encrypt: false, sign_problem: 'a certificate authority does not sign mail', encrypt_problem: 'a certificate authority does not receive mail',
          revocation: { state: 'no-information', text: 'No revocation information published', source: null, checked_at: null, revoked_at: null, reason: null },
        };
        state.certs.push(ca);
        state.caKeys.push(ca.fingerprint);
        return clone(ca);
      }
      case 'issue_certificate': {
        const ca = find(args.ca);
        if (!ca || !state.caKeys.includes(args.ca)) return reject('bad-input', 'that is not a certification authority of this home (no private key)');
        if (args.days > 825) return reject('bad-input', 'a subscriber certificate is valid for at most 825 days');
        if (args.password.length < 8) return reject('bad-input', 'protect the identity file with a password of at least 8 characters');
        const n = state.certs.length + 1;
        const cert = {
          kind: 'person', trusted: false, fingerprint: '9' + hex(n).repeat(31) + '9', subject: `CN=${args.emails[0]}`, issuer: ca.subject,
          common_name: args.emails[0], serial: '5e' + hex(n), emails: clone(args.emails), not_before: new Date().toISOString(),
          not_after: new Date(Date.now() + args.days * 86400000).toISOString(), key: 'RSA 3072',
          key_usage: ['digitalSignature', 'keyEncipherment'], extended_key_usage: ['emailProtection'], is_ca: false,
          subject_key_id: null, authority_key_id: null, can_sign: true, can_encrypt: true, sign_problem: null, encrypt_problem: null,
          revocation: { state: 'not-checked', text: 'Not checked yet', source: null, checked_at: null, revoked_at: null, reason: null },
        };
        state.certs.push(cert);
        state.chains[cert.fingerprint] = [ca.fingerprint];
        state.issued[cert.fingerprint] = { ca: ca.fingerprint, serial: cert.serial };
        return { cert: clone(cert), ca_fingerprint: ca.fingerprint, serial: cert.serial };
      }
      case 'revoke_certificate': {
        const r = state.issued[args.fingerprint];
        if (!r) return reject('not-found', 'that certificate was not issued by a CA of this home');
        if (r.revoked_at) return reject('bad-input', 'that certificate was already revoked');
        r.revoked_at = new Date().toISOString();
        r.reason = args.reason;
        const c = find(args.fingerprint);
        return { fingerprint: args.fingerprint, subject: c ? c.subject : '', serial: r.serial, ca_fingerprint: r.ca, reason: args.reason, revoked_at: r.revoked_at };
      }
      case 'publish_crl': {
        if (!state.caKeys.includes(args.ca)) return reject('bad-input', 'that is not a certification authority of this home (no private key)');
        const revoked = Object.values(state.issued)
          .filter((r) => r.ca === args.ca && r.revoked_at)
          .map((r) => ({ serial: r.serial, reason: r.reason, revoked_at: r.revoked_at }));
        state.crlNumber = (state.crlNumber || 0) + 1;
        return {
          ca_fingerprint: args.ca,
          crl_number: state.crlNumber,
          this_update: new Date().toISOString(),
          next_update: new Date(Date.now() + (args.days || 7) * 86400000).toISOString(),
          revoked,
        };
      }
      case 'accept_certificate': {
        const c = find(args.fingerprint);
        if (!c) return reject('not-found', 'no such certificate');
        if (c.is_ca) return reject('bad-input', 'an authority is trusted, not accepted: use trust for a CA');
        state.changes = state.changes.filter((ch) => ch.new_fingerprint !== c.fingerprint);
        return clone(c);
      }
      case 'check_certificate': {
        const c = find(args.fingerprint);
        if (!c) return reject('not-found', 'no such certificate');
        if (state.checks[args.fingerprint]) return clone(state.checks[args.fingerprint]);
        const days = daysLeft(c);
        const warn = threshold(days);
        const lines = [
          { item: 'chain', level: 'ok', text: `Chains to an authority you trust: ${c.issuer}` },
          { item: 'revocation', level: state.issued[c.fingerprint]?.revoked_at ? 'problem' : 'info', text: state.issued[c.fingerprint]?.revoked_at ? 'Revoked by your CA' : 'Revocation was not checked online (no CRL or OCSP is fetched)' },
          { item: 'validity', level: days < 0 ? 'problem' : warn ? 'warning' : 'ok', text: days < 0 ? `Expired on ${c.not_after}` : warn ? `Expires in ${days} days (on ${c.not_after}): renew it now` : `Valid until ${c.not_after} (${days} days left)` },
          { item: 'addresses', level: 'ok', text: `For ${c.emails.join(', ')}` },
          { item: 'private-key', level: c.kind === 'identity' ? 'ok' : 'info', text: c.kind === 'identity' ? 'The private key unlocks and made a test signature that verifies' : 'No private key is held' },
          { item: 'signing', level: c.can_sign ? 'ok' : 'problem', text: c.can_sign ? 'Can sign mail' : `Cannot sign mail: ${c.sign_problem}` },
          { item: 'encryption', level: c.can_encrypt ? 'ok' : 'info', text: c.can_encrypt ? 'Mail can be encrypted to it, and you can decrypt it' : `Mail cannot be encrypted to it: ${c.encrypt_problem}` },
        ];
        const usable = days >= 0 && !state.issued[c.fingerprint]?.revoked_at;
        return {
          fingerprint: c.fingerprint, subject: c.subject, kind: c.kind, emails: clone(c.emails), usable,
          can_sign: usable && c.kind === 'identity' && c.can_sign, can_encrypt: usable && c.can_encrypt, trusted_path: true,
          chain: [c.subject, c.issuer], revoked: !!state.issued[c.fingerprint]?.revoked_at, has_private_key: c.kind === 'identity',
          days_left: days, expiry_warning: warn, lines,
        };
      }
      case 'mail_accounts':
        return clone(mail.accounts);
      case 'mail_remove_account': {
        const i = mail.accounts.findIndex((a) => a.name === args.name);
        if (i < 0) return reject('not-found', `no account named "${args.name}"`);
        const [gone] = mail.accounts.splice(i, 1);
        for (const key of Object.keys(mail.boxes)) if (key.startsWith(`${args.name}/`)) delete mail.boxes[key];
        mail.outbox = (mail.outbox || []).filter((e) => e.account !== args.name);
        return clone(gone);
      }
      case 'mail_add_account': {
        const a = args.account;
        if (mail.accounts.some((x) => x.name === a.name)) return reject('bad-input', `an account named "${a.name}" exists`);
        if (locked()) return reject('keystore-locked', 'the key file is locked');
        const dto = {
          name: a.name,
          email: a.email,
          username: a.username || a.email,
          imap: { host: a.imap.host, port: a.imap.port, tls: a.imap.tls || 'implicit' },
          smtp: { host: a.smtp.host, port: a.smtp.port, tls: a.smtp.tls || 'implicit' },
          private_ca: a.ca_file ? 'CN=Sealpost Mail Test CA' : null,
        };
        mail.accounts.push(dto);
        mail.added = { account: clone(a), password: args.password };
        return clone(dto);
      }
      case 'mail_update_account': {
        const a = args.change.settings;
        const i = mail.accounts.findIndex((x) => x.name === a.name);
        if (i < 0) return reject('not-found', `no account named "${a.name}"`);
        if (locked()) return reject('keystore-locked', 'the key file is locked');
        const old = mail.accounts[i];
        const dto = {
          name: a.name,
          email: a.email,
          username: a.username || a.email,
          imap: { host: a.imap.host, port: a.imap.port, tls: a.imap.tls || 'implicit' },
          smtp: { host: a.smtp.host, port: a.smtp.port, tls: a.smtp.tls || 'implicit' },
          private_ca: a.ca_file ? 'CN=Other Mail CA' : args.change.keep_private_ca ? old.private_ca : null,
        };
        // As the core does: another IMAP mailbox drops the account's cache.
        if (old.imap.host !== dto.imap.host || old.imap.port !== dto.imap.port || old.username !== dto.username) {
          for (const key of Object.keys(mail.boxes)) if (key.startsWith(`${a.name}/`)) mail.boxes[key] = [];
        }
        mail.accounts[i] = dto;
        mail.updated = [...(mail.updated ?? []), { change: clone(args.change), password: args.password }];
        return clone(dto);
      }
      case 'mail_test_account':
      case 'mail_test_change':
      case 'mail_test_settings': {
        // Deterministic failures by host name, port and password, one per stage; a stored
        // account is tested with its stored settings (and the stored password, taken as right).
        const stored = cmd === 'mail_test_account' ? mail.accounts.find((x) => x.name === args.name) : null;
        if (cmd === 'mail_test_account' && !stored) return reject('not-found', `no account named "${args.name}"`);
        const a = stored ?? (cmd === 'mail_test_change' ? args.change.settings : args.account);
        const check = (proto, srv) => {
          const server = `${proto} ${srv.host}:${srv.port}`;
          const fail = (failed_at, message) => ({ server, ok: false, failed_at, message: `${server}: ${message}` });
          if (srv.host.endsWith('.invalid')) return fail('dns', 'cannot resolve the host name: no such host');
          if (srv.port === 1) return fail('tcp', 'cannot open a TCP connection: connection refused');
          if (srv.host.startsWith('selfsigned.')) return fail('tls-certificate', "the server's TLS certificate is not accepted: UnknownIssuer");
          if (srv.host.startsWith('plain.')) return fail('starttls-missing', 'the server does not offer STARTTLS; nothing was sent (no plaintext fallback)');
          if (args.password === 'wrong') return fail('authentication', 'authentication failed: [AUTHENTICATIONFAILED] Authentication failed.');
          return { server, ok: true, failed_at: null, message: null };
        };
        const imap = check('IMAP', a.imap);
        const smtp = check('SMTP', a.smtp);
        return { account: a.name, ok: imap.ok && smtp.ok, imap, smtp };
      }
      case 'mail_folders':
        if (mail.foldersError) return reject('network', mail.foldersError);
        return clone(mail.folders);
      case 'mail_sync': {
        if (mail.syncError) return reject('network', mail.syncError);
        const key = `${args.account}/${args.folder}`;
        const box = (mail.boxes[key] = mail.boxes[key] || []);
        const fresh = mail.incoming[key] || [];
        delete mail.incoming[key];
        box.push(...fresh);
        return { account: args.account, folder: args.folder, uidvalidity: 1, uidvalidity_changed: false, new: fresh.length, flags_updated: 0, removed: 0, flags_fetched: 0, skipped_large: 0, total: box.length };
      }
      case 'mail_list':
        return clone(mail.boxes[`${args.account}/${args.folder}`] || []).reverse();
      case 'mail_search': {
        const text = String(args.text || '').trim().toLowerCase();
        if (!text) return reject('bad-input', 'search for some text');
        if (mail.searchError) return reject(mail.searchError.code, mail.searchError.message);
        return clone(mail.boxes[`${args.account}/${args.folder}`] || [])
          .filter((m) => `${m.from} ${m.subject}`.toLowerCase().includes(text))
          .reverse();
      }
      case 'mail_save_draft': {
        const d = args.draft;
        if (d.encrypt && locked()) return reject('keystore-locked', 'the key file is locked');
        if (!mail.folders.some((f) => f.special === 'drafts')) mail.folders.push({ name: 'Drafts', delimiter: '/', special: 'drafts', selectable: true });
        const key = `${args.account}/Drafts`;
        const box = (mail.boxes[key] = mail.boxes[key] || []);
        mail.drafts = mail.drafts || {};
        mail.nextDraftUid = mail.nextDraftUid || 901;
        const uid = mail.nextDraftUid++;
        // As the core does: carried attachments of the opened draft, then the new files.
        const before = args.carried ? mail.drafts[args.carried.token] : null;
        if (args.carried && !before) return reject('not-found', "the draft's attachments are no longer at hand; open the draft again");
        const kept = before ? before.carried.filter((a) => args.carried.indices.includes(a.index)) : [];
        const files = d.attachments.map((p) => ({ filename: p.split('/').pop(), content_type: 'application/octet-stream', size: 100 }));
        const carried = [...kept, ...files].map((a, index) => ({ ...a, index }));
        mail.drafts[uid] = { draft: { ...clone(d), attachments: [] }, reply: clone(args.reply), carried };
        if (args.replaceUid !== null && args.replaceUid !== undefined) {
          mail.boxes[key] = box.filter((m) => m.uid !== args.replaceUid);
        }
        mail.boxes[key].push({ uid, from: d.from, to: [...d.to, ...d.cc].join(', '), subject: d.subject, date: new Date().toISOString(), message_id: `<draft${uid}@example.test>`, flags: ['\\Seen', '\\Draft'], smime: d.encrypt ? 'encrypted' : 'none' });
        mail.views[uid] = {
          id: 100 + uid,
          report: {
            encrypted: d.encrypt,
            signed: false,
            valid: false,
            from: d.from,
            protected_headers: [],
            header_mismatches: [],
            layers: d.encrypt ? [{ type: 'auth-enveloped', cipher: 'aes-256-gcm' }] : [],
            cert_changes: [],
          },
          headers: { from: d.from, from_name_looks_like_address: false, to: d.to.join(', '), cc: d.cc.join(', '), subject: d.subject, date: new Date().toISOString(), message_id: `<draft${uid}@example.test>` },
          text: d.body,
          html: null,
          attachments: carried,
        };
        mail.savedDrafts = [...(mail.savedDrafts ?? []), { account: args.account, draft: clone(d), reply: clone(args.reply), carried: clone(args.carried), replaceUid: args.replaceUid }];
        return { folder: 'Drafts', uid, encrypted: d.encrypt };
      }
      case 'mail_open_draft': {
        const saved = (mail.drafts || {})[args.uid];
        if (!saved) return reject('not-found', `no message with UID ${args.uid} in ${args.folder}; sync the folder first`);
        if (saved.draft.encrypt && locked()) return reject('keystore-locked', 'the key file is locked');
        return { token: args.uid, draft: clone(saved.draft), reply: clone(saved.reply), carried: clone(saved.carried) };
      }
      case 'mail_discard_draft': {
        const key = `${args.account}/${args.folder}`;
        mail.boxes[key] = (mail.boxes[key] || []).filter((m) => m.uid !== args.uid);
        mail.discarded = [...(mail.discarded ?? []), { folder: args.folder, uid: args.uid, token: args.token }];
        return null;
      }
      case 'mail_read': {
        const v = mail.views[args.uid];
        if (!v) return reject('not-found', `message ${args.uid} of ${args.folder} is not in the cache; sync the folder`);
        if (v.fail) return reject(v.fail.code, v.fail.message);
        if (v.report.encrypted && locked()) return reject('keystore-locked', 'the key file is locked');
        return complete(clone(v));
      }
      case 'mail_set_flag': {
        const m = (mail.boxes[`${args.account}/${args.folder}`] || []).find((x) => x.uid === args.uid);
        if (!m) return reject('not-found', 'no such message');
        const name = args.flag === 'seen' ? '\\Seen' : '\\Flagged';
        m.flags = m.flags.filter((f) => f !== name);
        if (args.on) m.flags.push(name);
        return clone(m.flags);
      }
      case 'mail_move':
      case 'mail_delete': {
        const key = `${args.account}/${args.folder}`;
        const box = mail.boxes[key] || [];
        const m = box.find((x) => x.uid === args.uid);
        if (!m) return reject('not-found', 'no such message');
        mail.boxes[key] = box.filter((x) => x !== m);
        if (cmd === 'mail_move') return null;
        return mail.folders.find((f) => f.special === 'trash')?.name ?? null;
      }
      case 'mail_send': {
        const d = { ...args.draft };
        if (d.sign && locked()) return reject('keystore-locked', 'the key file is locked');
        // As the core does: encrypting needs every recipient's certificate, except those the
        // user explicitly chose to send a separate unencrypted copy.
        const plainTo = (args.unencryptedTo ?? []).map((e) => e.toLowerCase());
        const canEncryptTo = (email) =>
          state.certs.some((x) => x.kind !== 'authority' && x.can_encrypt && x.emails.some((e) => e.toLowerCase() === email.toLowerCase()));
        if (plainTo.length > 0 && !d.encrypt) return reject('bad-input', 'an unencrypted copy applies only to an encrypted message');
        if (d.encrypt) {
          const lacking = [...d.to, ...d.cc, ...(d.bcc ?? [])].find((r) => !plainTo.includes(r.toLowerCase()) && !canEncryptTo(r));
          if (lacking) return reject('not-found', `no certificate is known for ${lacking}`);
        }
        const isPlain = (r) => plainTo.includes(r.toLowerCase());
        d.to = d.to.filter((r) => !isPlain(r));
        d.cc = d.cc.filter((r) => !isPlain(r));
        d.bcc = (d.bcc ?? []).filter((r) => !isPlain(r));
        // As the core does: encrypted, each Bcc recipient gets a separate copy (own outbox entry).
        const bcc = d.bcc ?? [];
        const visible = [...d.to, ...d.cc];
        const recipients = [...visible, ...bcc];
        const separate = d.encrypt && bcc.length > 0;
        const makeEntry = (to, appended) => ({
          id: mail.outbox.length + 1,
          account: args.account,
          message_id: `<sent${mail.outbox.length + 1}@example.test>`,
          subject: d.subject,
          from: d.from,
          recipients: to,
          state: mail.smtpDown ? 'failed' : 'sent',
          appended,
          attempts: 1,
          last_error: mail.smtpDown ? 'SMTP 127.0.0.1:587: cannot open a TCP connection: connection refused' : null,
          last_error_kind: mail.smtpDown ? 'tcp' : null,
          created: new Date().toISOString(),
          updated: new Date().toISOString(),
        });
        const entry = makeEntry(separate ? visible : recipients, !mail.smtpDown);
        mail.outbox.push(entry);
        const copies = [];
        if (separate) {
          for (const b of bcc) {
            const e = makeEntry([b], true);
            mail.outbox.push(e);
            copies.push(clone(e));
          }
        }
        let plainCopy = null;
        if (plainTo.length > 0) {
          plainCopy = makeEntry(args.unencryptedTo, true);
          mail.outbox.push(plainCopy);
        }
        mail.sent.push({ account: args.account, draft: clone(args.draft), reply: clone(args.reply), unencryptedTo: clone(args.unencryptedTo ?? []), carried: clone(args.carried ?? null) });
        return {
          delivered: !mail.smtpDown,
          signed: d.sign,
          encrypted: d.encrypt,
          cipher: d.encrypt ? 'aes-256-gcm' : null,
          encrypted_to: d.encrypt ? [...recipients, d.from] : [],
          entry: clone(entry),
          bcc_copies: copies,
          unencrypted_to: clone(args.unencryptedTo ?? []),
          unencrypted_copy: plainCopy ? clone(plainCopy) : null,
        };
      }
      case 'mail_request_certificates': {
        if (locked()) return reject('keystore-locked', 'the key file is locked');
        mail.requests = [...(mail.requests ?? []), { account: args.account, emails: clone(args.emails) }];
        return args.emails.map((email) => {
          const entry = {
            id: mail.outbox.length + 1,
            account: args.account,
            message_id: `<request${mail.outbox.length + 1}@example.test>`,
            subject: 'Request for your e-mail certificate',
            from: 'alice@example.test',
            recipients: [email],
            state: mail.smtpDown ? 'failed' : 'sent',
            appended: !mail.smtpDown,
            attempts: 1,
            last_error: null,
            last_error_kind: null,
            created: new Date().toISOString(),
            updated: new Date().toISOString(),
          };
          mail.outbox.push(entry);
          return { delivered: !mail.smtpDown, signed: true, encrypted: false, cipher: null, encrypted_to: [], entry, bcc_copies: [], unencrypted_to: [], unencrypted_copy: null };
        });
      }
      case 'mail_outbox':
        return clone(mail.outbox);
      case 'mail_retry': {
        const e = mail.outbox.find((x) => x.id === args.id);
        if (!e) return reject('not-found', `no outbox entry ${args.id}`);
        if (mail.smtpDown) {
          e.attempts += 1;
          return { action: 'failed', entry: clone(e) };
        }
        Object.assign(e, { state: 'sent', appended: true, last_error: null, last_error_kind: null, attempts: e.attempts + 1 });
        return { action: 'sent', entry: clone(e) };
      }
      case 'plugin:window|destroy':
        state.windowClosed = (state.windowClosed ?? 0) + 1;
        return null;
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
