// Generated from the Rust DTOs in src/api by `SEALPOST_UPDATE_BINDINGS=1 cargo test --lib api::bindings`.
// Do not edit: a unit test fails when this file and the Rust types differ.

/**
 * What a front end branches on.
 */
export type ErrorCode = "bad-input" | "not-found" | "ambiguous" | "wrong-password" | "keystore-unavailable" | "keystore-locked" | "decryption-failed" | "signature-invalid" | "storage" | "network";
export type ApiError = { code: ErrorCode, message: string, };
/**
 * The role of a certificate in this home.
 */
export type CertKind = "identity" | "person" | "authority";
/**
 * What the UI and `--json` show about a certificate.
 */
export type CertInfo = { fingerprint: string, subject: string, issuer: string, common_name: string | null, serial: string, emails: Array<string>, not_before: string, not_after: string, key: string, key_usage: Array<string>, extended_key_usage: Array<string> | null, is_ca: boolean, subject_key_id: string | null, authority_key_id: string | null, can_sign: boolean, can_encrypt: boolean, sign_problem: string | null, encrypt_problem: string | null, };
export type CertDto = { kind: CertKind, trusted: boolean, fingerprint: string, subject: string, issuer: string, common_name: string | null, serial: string, emails: Array<string>, not_before: string, not_after: string, key: string, key_usage: Array<string>, extended_key_usage: Array<string> | null, is_ca: boolean, subject_key_id: string | null, authority_key_id: string | null, can_sign: boolean, can_encrypt: boolean, sign_problem: string | null, encrypt_problem: string | null, };
export type ImportResult = { imported: Array<CertDto>, };
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
days_left: number, 
/**
 * "valid", "expired" or "not-yet-valid".
 */
validity: string, 
/**
 * Whether the certificate chains to an authority trusted in this home.
 */
trusted_path: boolean, 
/**
 * The trust verdict in plain words.
 */
trust: string, has_private_key: boolean, };
/**
 * The keystore in use and whether it can be used now.
 */
export type KeystoreStatus = { 
/**
 * "os" (the platform keystore) or "file" (a passphrase-protected key file).
 */
kind: string, available: boolean, unlocked: boolean, 
/**
 * Plain words for the status line.
 */
detail: string, };
export type AppStatus = { version: string, home: string, keystore: KeystoreStatus, identities: number, people: number, authorities: number, };
/**
 * How a signed layer was framed.
 */
export type SignedForm = "multipart-signed" | "opaque";
export type SignatureReport = { 
/**
 * valid, invalid, untrusted, expired, not-yet-valid, revoked, mismatched-sender,
 * wrong-usage, unsupported-algorithm.
 */
status: string, reason: string, emails: Array<string>, fingerprint: string | null, algorithm: string, signing_time: string | null, };
export type LayerReport = { "type": "enveloped", cipher: string, } | { "type": "auth-enveloped", cipher: string, } | { "type": "signed", form: SignedForm, signatures: Array<SignatureReport>, };
export type Report = { encrypted: boolean, signed: boolean, 
/**
 * Every signature valid (and at least one present).
 */
valid: boolean, layers: Array<LayerReport>, };
export type MessageHeaders = { from: string, to: string, cc: string, subject: string, date: string, message_id: string, };
export type Attachment = { index: number, filename: string, content_type: string, size: number, };
/**
 * An opened message: the security report (drawn by the app, never by the message), the
 * headers, the body and the attachments.
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
problem: string | null, };
/**
 * A message being composed.
 */
export type Draft = { from: string, to: Array<string>, cc: Array<string>, subject: string, body: string, 
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
chain: Array<string>, revoked: boolean, has_private_key: boolean, 
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
 * A certificate this home's CA issued.
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
export type OutboxEntry = { id: number, account: string, message_id: string, subject: string, from: string, recipients: Array<string>, 
/**
 * queued, sending (uncertain when left over), sent, failed.
 */
state: string, 
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
encrypted_to: Array<string>, entry: OutboxEntry, };
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
 * Messages larger than the cache limit, not downloaded.
 */
skipped_large: number, total: number, };
/**
 * The S/MIME form of a message, from its top-level Content-Type.
 */
export type SmimeKind = "signed" | "encrypted" | "none";
export type MessageSummary = { uid: number, from: string, subject: string, 
/**
 * The Date header (RFC 3339), else the server's INTERNALDATE.
 */
date: string | null, message_id: string | null, flags: Array<string>, smime: SmimeKind, };
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
