// Generated from the Rust DTOs in src/api by `SEALPOST_UPDATE_BINDINGS=1 cargo test --lib api::bindings`.
// Do not edit: a unit test fails when this file and the Rust types differ.

/**
 * What a front end branches on.
 */
export type ErrorCode = "bad-input" | "not-found" | "ambiguous" | "wrong-password" | "keystore-unavailable" | "keystore-locked" | "decryption-failed" | "signature-invalid" | "storage";
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
