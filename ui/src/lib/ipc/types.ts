// Generated from the Rust DTOs in src/api by `SEALPOST_UPDATE_BINDINGS=1 cargo test --lib api::bindings`.
// Do not edit: a unit test fails when this file and the Rust types differ.

/**
 * What a front end branches on.
 */
export type ErrorCode = "bad-input" | "not-found" | "ambiguous" | "wrong-password" | "keystore-unavailable" | "keystore-locked" | "decryption-failed" | "signature-invalid" | "storage" | "network" | "internal";
export type ApiError = { code: ErrorCode, message: string, };
/**
 * The role of a certificate in this home.
 */
export type CertKind = "identity" | "person" | "authority";
/**
 * What the UI and `--json` show about a certificate.
 */
export type CertInfo = { fingerprint: string, subject: string, issuer: string, common_name: string | null, serial: string, emails: Array<string>, not_before: string, not_after: string, key: string, key_usage: Array<string>, extended_key_usage: Array<string> | null, is_ca: boolean, subject_key_id: string | null, authority_key_id: string | null, can_sign: boolean, can_encrypt: boolean, sign_problem: string | null, encrypt_problem: string | null, };
/**
 * What is known about a certificate's revocation.
 */
export type RevocationState = "good" | "revoked" | "unknown" | "stale" | "not-checked" | "no-information" | "off";
/**
 * The revocation line of a certificate, shown on every certificate (CLI and app).
 */
export type RevocationInfo = { state: RevocationState, 
/**
 * Plain words, e.g. "Not revoked (checked 2026-11-28 via OCSP)".
 */
text: string, 
/**
 * "CRL", "OCSP" or "your CA".
 */
source: string | null, 
/**
 * When the answer was fetched or imported.
 */
checked_at: string | null, revoked_at: string | null, reason: string | null, };
/**
 * How revocation information is used when a certificate is relied on.
 */
export type RevocationMode = "off" | "when-available" | "required";
/**
 * How revocation is used, as `sealpost cert revocation-mode --json` prints it.
 */
export type RevocationModeShown = { mode: RevocationMode, };
/**
 * A CRL imported by hand.
 */
export type CrlImported = { issuer: string, issuer_fingerprint: string, this_update: string, next_update: string, revoked: number, };
/**
 * One line of a refresh: which URL, for what, and what came of it.
 */
export type RefreshSource = { 
/**
 * "crl" or "ocsp".
 */
kind: string, url: string, 
/**
 * The issuer (CRL) or the certificate (OCSP) it was about.
 */
subject: string, ok: boolean, detail: string, };
/**
 * The result of [`Home::refresh_revocation`].
 */
export type RevocationRefresh = { mode: RevocationMode, sources: Array<RefreshSource>, 
/**
 * When the refresh ended.
 */
finished_at: string, };
export type CertDto = { kind: CertKind, 
/**
 * The user trusts this certificate as an authority (an anchor of this home).
 */
trusted: boolean, 
/**
 * An authority that chains to a trusted anchor (the user's or a built-in root) now, or is
 * one: the list shows the same trust status as the details.
 */
trusted_path: boolean, 
/**
 * Revocation status from the cache (never fetched while building this).
 */
revocation: RevocationInfo, fingerprint: string, subject: string, issuer: string, common_name: string | null, serial: string, emails: Array<string>, not_before: string, not_after: string, key: string, key_usage: Array<string>, extended_key_usage: Array<string> | null, is_ca: boolean, subject_key_id: string | null, authority_key_id: string | null, can_sign: boolean, can_encrypt: boolean, sign_problem: string | null, encrypt_problem: string | null, };
/**
 * A certificate as `sealpost cert list --json` prints it: its fields, plus the expiry warning
 * of the user's own identities.
 */
export type CertListEntry = { 
/**
 * 30, 14 or 7 while one of the user's identities nears its end, 0 once it expired (and
 * was not renewed); `null` otherwise.
 */
expiry_warning: number | null, kind: CertKind, 
/**
 * The user trusts this certificate as an authority (an anchor of this home).
 */
trusted: boolean, 
/**
 * An authority that chains to a trusted anchor (the user's or a built-in root) now, or is
 * one: the list shows the same trust status as the details.
 */
trusted_path: boolean, 
/**
 * Revocation status from the cache (never fetched while building this).
 */
revocation: RevocationInfo, fingerprint: string, subject: string, issuer: string, common_name: string | null, serial: string, emails: Array<string>, not_before: string, not_after: string, key: string, key_usage: Array<string>, extended_key_usage: Array<string> | null, is_ca: boolean, subject_key_id: string | null, authority_key_id: string | null, can_sign: boolean, can_encrypt: boolean, sign_problem: string | null, encrypt_problem: string | null, };
/**
 * A certificate as `sealpost cert show --json` prints it: its fields, the trust verdict
 * (`trusted_path` is the verdict's: whether this certificate chains to an anchor), and the
 * other certificates of the same mailbox.
 */
export type CertShown = { 
/**
 * The verdict in plain words.
 */
trust: string, 
/**
 * The anchor the path ended at.
 */
anchor: AnchorInfo | null, 
/**
 * The precise failure when not trusted.
 */
reason_code: string | null, 
/**
 * The other certificates of the same mailbox, newest first.
 */
history: Array<HistoryEntry>, kind: CertKind, 
/**
 * The user trusts this certificate as an authority (an anchor of this home).
 */
trusted: boolean, 
/**
 * An authority that chains to a trusted anchor (the user's or a built-in root) now, or is
 * one: the list shows the same trust status as the details.
 */
trusted_path: boolean, 
/**
 * Revocation status from the cache (never fetched while building this).
 */
revocation: RevocationInfo, fingerprint: string, subject: string, issuer: string, common_name: string | null, serial: string, emails: Array<string>, not_before: string, not_after: string, key: string, key_usage: Array<string>, extended_key_usage: Array<string> | null, is_ca: boolean, subject_key_id: string | null, authority_key_id: string | null, can_sign: boolean, can_encrypt: boolean, sign_problem: string | null, encrypt_problem: string | null, };
export type ImportResult = { imported: Array<CertDto>, 
/**
 * CRLs imported by hand (`.crl`, DER or PEM).
 */
crls: Array<CrlImported>, };
/**
 * Where a trust anchor comes from.
 */
export type AnchorSource = "mozilla" | "user";
/**
 * The anchor a valid path ended at.
 */
export type AnchorInfo = { 
/**
 * The root's name: CCADB's name for a built-in root, else the common name or subject.
 */
name: string, source: AnchorSource, 
/**
 * SHA-256 of the anchor certificate.
 */
fingerprint: string, };
/**
 * Whether and through which anchor a certificate is trusted in this home.
 */
export type TrustVerdict = { 
/**
 * Whether the certificate chains to an anchor (or is one).
 */
trusted_path: boolean, 
/**
 * The verdict in plain words: "Trusted through <root> (Mozilla root program)",
 * "… (trusted by you)", or "Not trusted: <reason>".
 */
trust: string, 
/**
 * The anchor the path ended at.
 */
anchor: AnchorInfo | null, 
/**
 * The precise failure (`path-length`, `name-constraints`, …) when not trusted.
 */
reason_code: string | null, };
/**
 * Where a moment falls in a certificate's validity period.
 */
export type Validity = "valid" | "expired" | "not-yet-valid";
/**
 * Everything the details view shows about one certificate.
 */
export type CertDetails = { cert: CertDto, 
/**
 * Issuers known to this home, nearest first.
 */
chain: Array<CertDto>, sha1_fingerprint: string, 
/**
 * Whole days until `not_after` (negative once expired).
 */
days_left: number, validity: Validity, 
/**
 * Whether the certificate chains to an authority trusted in this home.
 */
trusted_path: boolean, 
/**
 * The trust verdict in plain words ("Trusted through <root> (Mozilla root program)", …).
 */
trust: string, 
/**
 * The anchor the path ended at: built in (Mozilla) or trusted by the user.
 */
anchor: AnchorInfo | null, has_private_key: boolean, 
/**
 * 30, 14 or 7 once the certificate expires within that many days; 0 once expired.
 */
expiry_warning: number | null, 
/**
 * When one of this home's CAs issued this certificate: its record (revoked or not).
 */
issued: IssuedEntry | null, 
/**
 * For a CA of this home (its key is held): every certificate it issued, newest first.
 */
issued_certs: Array<IssuedEntry>, 
/**
 * For a correspondent's certificate: how it differs from the one accepted for each of
 * its addresses (until the user accepts it).
 */
changes: Array<CertChange>, 
/**
 * The other certificates of the same mailbox (an identity's earlier ones keep their
 * private keys), newest first.
 */
history: Array<HistoryEntry>, };
/**
 * Which backend holds the secrets; serialized lower-case ("os", "file", "memory") in config.
 */
export type KeyStoreKind = "os" | "file" | "memory";
/**
 * The keystore in use and whether it can be used now.
 */
export type KeystoreStatus = { 
/**
 * The platform keystore or a passphrase-protected key file.
 */
kind: KeyStoreKind, available: boolean, unlocked: boolean, 
/**
 * Plain words for the status line.
 */
detail: string, };
/**
 * Which keystore a home uses, as `sealpost keystore status --json` prints it.
 */
export type KeystoreShown = { keystore: KeyStoreKind, };
export type AppStatus = { version: string, home: string, keystore: KeystoreStatus, identities: number, people: number, authorities: number, 
/**
 * Identities that expire within 30 days (or have expired) and were not renewed.
 */
expiring: Array<ExpiryNotice>, };
/**
 * How a signed layer was framed.
 */
export type SignedForm = "multipart-signed" | "opaque";
/**
 * The verdict on one signature. Only `valid` is valid; every other status is a reason the
 * signature vouches for nothing.
 */
export type SignatureStatus = "valid" | "invalid" | "untrusted" | "expired" | "not-yet-valid" | "revoked" | "revocation-unknown" | "mismatched-sender" | "wrong-usage" | "unsupported-algorithm" | "outside-encryption";
export type SignatureReport = { 
/**
 * valid, invalid, untrusted, expired, not-yet-valid, revoked, revocation-unknown (no
 * current CRL/OCSP answer while revocation is "required"), mismatched-sender,
 * wrong-usage, unsupported-algorithm, outside-encryption (a signature over encrypted
 * data: the signer may never have seen the content, and it vouches for none of it).
 */
status: SignatureStatus, reason: string, emails: Array<string>, fingerprint: string | null, algorithm: string, signing_time: string | null, 
/**
 * The precise path-validation failure (`expired-since-signing`, `name-constraints`,
 * `path-length`, `distrusted-root`, …), when the path is what failed.
 */
reason_code: string | null, 
/**
 * The trust anchor the signer's path ended at, built in (Mozilla) or trusted by the user.
 */
anchor: AnchorInfo | null, };
export type LayerReport = { "type": "enveloped", cipher: string, } | { "type": "auth-enveloped", cipher: string, } | { "type": "signed", form: SignedForm, signatures: Array<SignatureReport>, };
export type Report = { encrypted: boolean, 
/**
 * The content is signed: a signed layer that is not outside an encryption layer.
 */
signed: boolean, 
/**
 * Every signature over the content valid (and at least one present).
 */
valid: boolean, 
/**
 * The From address the signatures were checked against, which is the one the reader
 * shows (the protected inner From when there is one); several are joined by ", ".
 */
from: string | null, 
/**
 * Lower-case names of the header fields shown from inside the protected content
 * (RFC 9788); the others come from the unprotected outer header.
 */
protected_headers: Array<string>, 
/**
 * Lower-case names of the fields whose protected copy differs from the outer one.
 */
header_mismatches: Array<string>, layers: Array<LayerReport>, 
/**
 * Signers whose certificate differs (another key or issuing CA) from the one accepted
 * for their address: shown until the user accepts the new one.
 */
cert_changes: Array<CertChange>, };
export type MessageHeaders = { from: string, 
/**
 * The display name of a From mailbox holds an address itself (`"alice@bar.test"
 * <carol@bar.test>`): the reader must be told which address is the real one.
 */
from_name_looks_like_address: boolean, to: string, cc: string, subject: string, date: string, message_id: string, };
export type Attachment = { index: number, filename: string, content_type: string, size: number, };
/**
 * An opened message: the security report (drawn by the app, never by the message), the
 * headers, the body and the attachments. Its `Debug` leaves the decrypted body out.
 */
export type MessageView = { id: number, report: Report, headers: MessageHeaders, text: string | null, 
/**
 * HTML with scripts, frames, forms, remote references and refreshes removed; the app
 * still shows it only in a sandboxed frame whose policy forbids every request.
 */
html: string | null, attachments: Array<Attachment>, };
export type RecipientStatus = { email: string, has_certificate: boolean, fingerprint: string | null, 
/**
 * Why no usable certificate is known, in plain words.
 */
problem: string | null, 
/**
 * The certificate differs (key or issuing CA) from the one accepted for this address.
 */
change: CertChange | null, };
/**
 * A message being composed. Its `Debug` leaves the text out.
 */
export type Draft = { from: string, to: Array<string>, cc: Array<string>, 
/**
 * Blind copies: delivered, never named in what To and Cc receive (RFC 5322 §3.6.3).
 */
bcc: Array<string>, subject: string, 
/**
 * The plain text. When `html` is set the core sends its own plain-text rendering of the
 * HTML as the text/plain alternative instead (so the two always agree).
 */
body: string, 
/**
 * The formatted body (HTML fragment) when the user wrote formatted text; `None` for plain
 * text. Sent sanitised as text/html next to a text/plain alternative.
 */
html: string | null, 
/**
 * Paths of files to attach.
 */
attachments: Array<string>, sign: boolean, encrypt: boolean, };
export type ComposeResult = { path: string, size: number, signed: boolean, encrypted: boolean, cipher: string | null, 
/**
 * Everyone the message is encrypted to, the sender included.
 */
recipients: Array<string>, };
export type ExportFormat = "pem" | "der" | "p7c" | "p12";
/**
 * Progress of a long operation, sent to the app as the `progress` event.
 */
export type Progress = { operation: string, done: number, total: number, detail: string, };
export type CheckLevel = "ok" | "info" | "warning" | "problem";
export type CheckItem = "chain" | "revocation" | "validity" | "signing" | "encryption" | "addresses" | "private-key";
export type CheckLine = { item: CheckItem, level: CheckLevel, text: string, };
/**
 * The result of [`Home::check`].
 */
export type CertCheck = { fingerprint: string, subject: string, kind: CertKind, emails: Array<string>, 
/**
 * Fit for its role now: an identity can sign or decrypt, a correspondent's certificate
 * can be encrypted to or its signatures trusted, an authority is a valid trust anchor.
 */
usable: boolean, 
/**
 * Mail can be signed with it now (an identity whose key is held).
 */
can_sign: boolean, 
/**
 * Mail can be encrypted to it now.
 */
can_encrypt: boolean, trusted_path: boolean, 
/**
 * Subjects from the certificate to the trust anchor, when a path was found.
 */
chain: Array<string>, 
/**
 * Revoked (by this home's CA, a CRL or OCSP), or, with revocation "required", without a
 * current answer.
 */
revoked: boolean, has_private_key: boolean, 
/**
 * Whole days until notAfter (negative once expired).
 */
days_left: number, 
/**
 * 30, 14 or 7 once the certificate expires within that many days.
 */
expiry_warning: number | null, lines: Array<CheckLine>, };
/**
 * The key algorithms a CA or a subscriber key may be generated with.
 */
export type KeyAlgorithm = "p256" | "p384" | "rsa2048" | "rsa3072" | "rsa4096";
/**
 * Why a certificate was revoked (RFC 5280 §5.3.1), limited to the codes SBR §7.2.2 allows
 * for subscriber certificates (no certificateHold).
 */
export type RevocationReason = "unspecified" | "key-compromise" | "affiliation-changed" | "superseded" | "cessation-of-operation" | "privilege-withdrawn";
/**
 * Where a new CA will publish (both optional; SBR §7.1.2.3 wants a CRL URL in every
 * certificate, and an AIA caIssuers URL is recommended).
 */
export type CaPublication = { crl_url: string | null, ca_issuers_url: string | null, };
/**
 * A certificate this home's CA issued. Its `Debug` leaves the `.p12` out.
 */
export type IssuedCert = { cert: CertDto, ca_fingerprint: string, serial: string, };
export type Revocation = { fingerprint: string, subject: string, serial: string, ca_fingerprint: string, reason: RevocationReason, revoked_at: string, };
export type CrlEntryInfo = { serial: string, reason: RevocationReason, revoked_at: string, };
/**
 * A CRL just signed.
 */
export type CrlInfo = { ca_fingerprint: string, crl_number: number, this_update: string, next_update: string, revoked: Array<CrlEntryInfo>, };
/**
 * A certificate request whose key waits in this home.
 */
export type CertRequest = { 
/**
 * SHA-256 of the requested public key (SubjectPublicKeyInfo DER), hex.
 */
key_id: string, emails: Array<string>, key: string, 
/**
 * The PKCS#10 request, PEM.
 */
pem: string, };
/**
 * One of the user's identities that expires soon (or has expired) and has no successor for
 * its addresses: what the app's status and `cert list` warn about.
 */
export type ExpiryNotice = { fingerprint: string, subject: string, emails: Array<string>, not_after: string, 
/**
 * Whole days until notAfter (negative once expired).
 */
days_left: number, 
/**
 * The tightest warning reached: 30, 14 or 7; 0 once expired. The app lets the user
 * dismiss each threshold once, so the next one warns again.
 */
threshold: number, };
/**
 * A certificate one of this home's CAs issued.
 */
export type IssuedEntry = { fingerprint: string, 
/**
 * The common name or first address of the certificate.
 */
name: string, emails: Array<string>, serial: string, not_after: string, ca_fingerprint: string, revoked_at: string | null, reason: RevocationReason | null, };
/**
 * A correspondent's certificate that differs from the one the user accepted.
 */
export type CertChange = { email: string, 
/**
 * The new certificate has another public key.
 */
key_changed: boolean, 
/**
 * The new certificate was issued by another CA.
 */
issuer_changed: boolean, accepted_fingerprint: string, accepted_issuer: string, 
/**
 * When the earlier certificate was accepted (or first seen).
 */
accepted_at: string, new_fingerprint: string, new_issuer: string, 
/**
 * The alert in plain words.
 */
text: string, };
/**
 * Another certificate this home holds for the same mailbox: an identity's earlier (or later)
 * certificates, whose private keys are kept so mail encrypted to them still opens.
 */
export type HistoryEntry = { cert: CertDto, has_private_key: boolean, 
/**
 * Issued after the certificate the history is of.
 */
newer: boolean, };
/**
 * How TLS is reached on an endpoint.
 */
export type TlsMode = "implicit" | "starttls";
/**
 * The stage a connection or transfer failed at.
 */
export type MailErrorKind = "dns" | "tcp" | "tls-certificate" | "tls" | "starttls-missing" | "authentication" | "timeout" | "connection-lost" | "protocol" | "rejected" | "config";
/**
 * One server of an account.
 */
export type ServerSettings = { host: string, port: number, 
/**
 * Implicit TLS or STARTTLS; by default implicit on 993/465, STARTTLS elsewhere.
 */
tls: TlsMode | null, };
/**
 * What `account add` takes (the password travels separately).
 */
export type NewAccount = { name: string, email: string, 
/**
 * Login name; the e-mail address when absent.
 */
username: string | null, imap: ServerSettings, smtp: ServerSettings, 
/**
 * Path of a PEM/DER file with the private CA that issued the servers' certificates. When
 * given, it is the only trust anchor for this account.
 */
ca_file: string | null, };
/**
 * New settings for an existing account (the password travels separately; none keeps the
 * stored one).
 */
export type AccountChange = { 
/**
 * The settings; `name` says which account (names do not change).
 */
settings: NewAccount, 
/**
 * Without a new `settings.ca_file`: keep the account's private CA (`true`) or trust the
 * public CAs again (`false`).
 */
keep_private_ca: boolean, };
/**
 * Where a draft was saved.
 */
export type DraftSaved = { folder: string, 
/**
 * Its UID in that folder (to replace it on the next save), when the server told.
 */
uid: number | null, 
/**
 * Stored encrypted to the sender.
 */
encrypted: boolean, };
export type ServerDto = { host: string, port: number, tls: TlsMode, };
export type AccountDto = { name: string, email: string, username: string, imap: ServerDto, smtp: ServerDto, 
/**
 * Subject of the private CA when the account has one.
 */
private_ca: string | null, };
/**
 * The result of checking one server.
 */
export type ServerCheck = { server: string, ok: boolean, 
/**
 * The stage that failed.
 */
failed_at: MailErrorKind | null, message: string | null, };
export type ConnectionCheck = { account: string, ok: boolean, imap: ServerCheck, smtp: ServerCheck, };
/**
 * Delivery state of an outbox entry. `Sending` is written *before* the SMTP transaction and
 * `Sent` right after the server's 250, so an entry still `Sending` after a crash is known to
 * be uncertain and is never sent again without the user's say.
 */
export type OutboxState = "queued" | "sending" | "sent" | "failed";
export type OutboxEntry = { id: number, account: string, message_id: string, subject: string, from: string, recipients: Array<string>, 
/**
 * queued, sending (uncertain when left over), sent, failed.
 */
state: OutboxState, 
/**
 * A copy is in the Sent folder.
 */
appended: boolean, attempts: number, last_error: string | null, last_error_kind: MailErrorKind | null, created: string, updated: string, };
export type SendResult = { 
/**
 * Accepted by the SMTP server.
 */
delivered: boolean, signed: boolean, encrypted: boolean, cipher: string | null, 
/**
 * Everyone the message is encrypted to, the sender included.
 */
encrypted_to: Array<string>, 
/**
 * The outbox entry of the message (the one whose copy goes to Sent).
 */
entry: OutboxEntry, 
/**
 * With encryption, each Bcc recipient gets a separate copy encrypted to them and the
 * sender: their outbox entries (empty otherwise).
 */
bcc_copies: Array<OutboxEntry>, 
/**
 * Recipients without a certificate who got a separate unencrypted copy, only because
 * the sender chose so explicitly (`unencrypted_to`); empty otherwise.
 */
unencrypted_to: Array<string>, 
/**
 * The outbox entry of that unencrypted copy.
 */
unencrypted_copy: OutboxEntry | null, };
/**
 * Result of `outbox --retry` for one entry.
 */
export type RetryOutcome = { 
/**
 * sent, appended, failed, skipped-uncertain, nothing-to-do
 */
action: string, entry: OutboxEntry, };
export type SyncResult = { account: string, folder: string, uidvalidity: number, 
/**
 * The cache was dropped because UIDVALIDITY changed (RFC 3501 §2.3.1.1).
 */
uidvalidity_changed: boolean, new: number, flags_updated: number, removed: number, 
/**
 * Flag items of already cached messages the server sent: all of them without CONDSTORE,
 * only those changed since the last sync with it (RFC 7162), 0 for an unchanged folder.
 */
flags_fetched: number, 
/**
 * New messages larger than the cache limit: listed, their bodies not downloaded.
 */
skipped_large: number, 
/**
 * Bodies downloaded by this sync (new messages and ones left header-only before).
 */
downloaded: number, total: number, };
/**
 * What a background watcher found: new mail in a folder, already synced into the cache (the
 * app's `mail-changed` event).
 */
export type MailChanged = { account: string, folder: string, 
/**
 * Messages new in the cache from the sync the change caused.
 */
new: number, 
/**
 * How many the cache now holds.
 */
total: number, };
/**
 * The S/MIME form of a message, from its top-level Content-Type.
 */
export type SmimeKind = "signed" | "encrypted" | "none";
/**
 * What opening a message found, kept for the message list: the verdict the banner showed,
 * never a guess from the Content-Type.
 */
export type CheckedVerdict = { encrypted: boolean, 
/**
 * Signed inside any encryption (a signature over ciphertext does not count).
 */
signed: boolean, 
/**
 * Signed, and every signature valid for the From shown.
 */
valid: boolean, };
export type MessageSummary = { uid: number, from: string, 
/**
 * The recipients (To, else Cc), as the list shows them for sent mail and drafts; empty
 * for messages cached before this was kept.
 */
to: string, subject: string, 
/**
 * The Date header (RFC 3339), else the server's INTERNALDATE.
 */
date: string | null, message_id: string | null, flags: Array<string>, 
/**
 * From the Content-Type alone: what the message claims to be, before anything is checked.
 */
smime: SmimeKind, 
/**
 * What opening it last found (decrypted, signatures checked); `null` until it is opened.
 */
checked: CheckedVerdict | null, };
/**
 * The role of a folder (RFC 6154 special use; INBOX by name).
 */
export type SpecialUse = "inbox" | "sent" | "drafts" | "trash" | "junk" | "archive";
/**
 * One folder of an account.
 */
export type FolderDto = { name: string, 
/**
 * The hierarchy delimiter ("/" or "."), when the server has one.
 */
delimiter: string | null, special: SpecialUse | null, 
/**
 * False for hierarchy nodes that hold no messages (\Noselect).
 */
selectable: boolean, };
/**
 * A flag the user may set or clear on a message.
 */
export type MessageFlag = "seen" | "flagged";
/**
 * The message a reply or forward answers, for threading (RFC 5322 §3.6.4).
 */
export type ReplyContext = { 
/**
 * The Message-ID of the message answered, with its angle brackets.
 */
in_reply_to: string | null, 
/**
 * Its References header, oldest first.
 */
references: Array<string>, };
/**
 * What a saved draft holds, to fill the compose form again.
 */
export type DraftView = { 
/**
 * Names the opened draft when its attachments are carried into a save or send (set by
 * the app's session; 0 otherwise).
 */
token: number, 
/**
 * The fields; `attachments` (paths) is empty: the draft's own attachments are `carried`.
 */
draft: Draft, 
/**
 * Threading of a reply or forward the draft was.
 */
reply: ReplyContext, 
/**
 * The draft's attachments, kept by the core until the draft is sent or replaced.
 */
carried: Array<Attachment>, };
