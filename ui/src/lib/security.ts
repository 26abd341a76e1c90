// The security banner is drawn by the app, outside the message frame, from the core's Report.
// Its lines are fixed sentences: nothing the sender controls (a certificate subject, the
// claimed From, the core's reason text) is put into them. What the certificate and the message
// say is shown apart, in the banner's details, and marked as such.
import { formatFingerprint } from './certs';
import { formatDateTime } from './dates';
import type { LayerReport, Report, SignatureReport } from './ipc/types';

export type BannerTone = 'good' | 'warn' | 'bad' | 'neutral';
export type LineKind =
  | 'signature-valid'
  | 'signature-invalid'
  | 'signature-outside'
  | 'encrypted'
  | 'no-integrity'
  | 'header-mismatch'
  | 'unsigned'
  | 'plain';
export type BannerLine = { kind: LineKind; tone: BannerTone; text: string };
export type Banner = { tone: BannerTone; lines: BannerLine[] };

/** Why a signature is not valid, one fixed sentence per status the core reports. */
const NOT_VALID = new Map<string, string>([
  ['invalid', 'the message was changed after it was signed, or the signature is damaged'],
  ['untrusted', "the signer's certificate is not from an authority you trust"],
  ['expired', "the signer's certificate has expired"],
  ['not-yet-valid', "the signer's certificate is not valid yet"],
  ['revoked', "the signer's certificate has been revoked"],
  ['revocation-unknown', "whether the signer's certificate was revoked could not be checked"],
  ['mismatched-sender', "the signer's address is not the sender's address"],
  ['wrong-usage', "the signer's certificate is not meant for signing mail"],
  ['unsupported-algorithm', 'it uses an algorithm Sealpost does not accept'],
]);
const NOT_VALID_OTHER = 'the signature could not be checked';

const RANK: Record<BannerTone, number> = { good: 0, neutral: 1, warn: 2, bad: 3 };

/** Whether a signed layer lies outside an encryption layer (layers are listed outermost first). */
function isOutside(layers: readonly LayerReport[], index: number): boolean {
  return layers.slice(index + 1).some((l) => l.type === 'enveloped' || l.type === 'auth-enveloped');
}

/** The signer as its certificate names it (the certificate's addresses, never the message's). */
function signer(sig: SignatureReport): string {
  return sig.emails.length > 0 ? sig.emails.join(', ') : 'an unnamed signer';
}

function signedAt(sig: SignatureReport): string {
  if (!sig.signing_time || Number.isNaN(Date.parse(sig.signing_time))) return '';
  return `, signed ${formatDateTime(sig.signing_time)}`;
}

export function signatureLine(sig: SignatureReport): BannerLine {
  if (sig.status === 'valid') {
    return { kind: 'signature-valid', tone: 'good', text: `Signed by ${signer(sig)} — valid${signedAt(sig)}` };
  }
  if (sig.status === 'outside-encryption') {
    const text = `Signed by ${signer(sig)} over the encrypted data only — this does not vouch for the content`;
    return { kind: 'signature-outside', tone: 'warn', text };
  }
  return { kind: 'signature-invalid', tone: 'bad', text: `Signature not valid: ${NOT_VALID.get(sig.status) ?? NOT_VALID_OTHER}` };
}

function signatureLines(report: Report): BannerLine[] {
  const lines: BannerLine[] = [];
  report.layers.forEach((layer, i) => {
    if (layer.type !== 'signed') return;
    if (layer.signatures.length === 0 && !isOutside(report.layers, i)) {
      lines.push({ kind: 'signature-invalid', tone: 'bad', text: 'Signature not valid: the message carries no signature' });
    }
    lines.push(...layer.signatures.map(signatureLine));
  });
  if (report.signed && !report.layers.some((l) => l.type === 'signed')) {
    lines.push({ kind: 'signature-invalid', tone: 'bad', text: 'Signature not valid: the signature could not be read' });
  }
  return lines;
}

/** AES-CBC and 3DES carry no integrity check: only a valid signature inside shows nothing changed. */
function encryptionLines(report: Report): BannerLine[] {
  return report.layers.flatMap((layer): BannerLine[] => {
    if (layer.type === 'auth-enveloped' || (layer.type === 'enveloped' && report.valid)) {
      return [{ kind: 'encrypted', tone: 'good', text: `Encrypted with ${cipherLabel(layer.cipher)}` }];
    }
    if (layer.type !== 'enveloped') return [];
    const text = `Encrypted with ${cipherLabel(layer.cipher)}, without integrity protection: the content may have been altered`;
    return [{ kind: 'no-integrity', tone: 'warn', text }];
  });
}

/** How a header field is named in the mismatch sentence. */
const FIELD_NAME = new Map<string, string>([
  ['from', 'sender (From)'],
  ['to', 'To list'],
  ['cc', 'Cc list'],
  ['subject', 'subject'],
  ['date', 'date'],
  ['reply-to', 'Reply-To address'],
]);

export function mismatchLine(field: string): BannerLine {
  const name = FIELD_NAME.get(field);
  if (!name) {
    const text = 'A header field shown is the protected one; its unprotected outer copy differs';
    return { kind: 'header-mismatch', tone: 'warn', text };
  }
  const text = `The ${name} shown is the protected one; the unprotected outer ${name} differs`;
  return { kind: 'header-mismatch', tone: field === 'from' ? 'bad' : 'warn', text };
}

function unsignedLines(report: Report, lines: readonly BannerLine[]): BannerLine[] {
  if (lines.some((l) => l.kind.startsWith('signature-'))) return [];
  if (lines.length === 0) return [{ kind: 'plain', tone: 'neutral', text: 'Not signed, not encrypted: the sender is not verified' }];
  return report.encrypted ? [{ kind: 'unsigned', tone: 'neutral', text: 'Not signed: the sender is not verified' }] : [];
}

function worst(lines: readonly BannerLine[]): BannerTone {
  return lines.reduce<BannerTone>((t, l) => (RANK[l.tone] > RANK[t] ? l.tone : t), 'good');
}

export function securityBanner(report: Report): Banner {
  const found = [...signatureLines(report), ...encryptionLines(report), ...(report.header_mismatches ?? []).map(mismatchLine)];
  const lines = [...found, ...unsignedLines(report, found)];
  const tone = report.signed && !report.valid && worst(lines) !== 'bad' ? 'bad' : worst(lines);
  // Failures first, then warnings: they are what the reader must see.
  lines.sort((a, b) => RANK[b.tone] - RANK[a.tone]);
  return { tone, lines };
}

export type DetailItem = { label: string; value: string; quoted?: boolean; mono?: boolean };
export type DetailGroup = { title: string; items: DetailItem[] };

const quote = (label: string, value: string): DetailItem => ({ label, value, quoted: true });
const code = (label: string, value: string): DetailItem => ({ label, value, mono: true });
const fieldList = (names: readonly string[]) => (names.length > 0 ? names.join(', ') : 'none');

function messageDetails(report: Report): DetailItem[] {
  const items: DetailItem[] = [];
  if (report.from) items.push(quote('Sender address checked against the signatures, as the message states it', report.from));
  if (report.signed || report.encrypted || report.layers.length > 0) {
    items.push(code('Header fields taken from inside the signed or encrypted part', fieldList(report.protected_headers ?? [])));
  }
  const differ = report.header_mismatches ?? [];
  if (differ.length > 0) items.push(code('Outer header fields that differ from the protected ones', fieldList(differ)));
  for (const layer of report.layers) {
    if (layer.type === 'signed') continue;
    const how = layer.type === 'auth-enveloped' ? 'authenticated: a change would be detected' : 'no integrity protection';
    items.push({ label: 'Content encryption', value: `${cipherLabel(layer.cipher)} (${how})` });
  }
  return items;
}

function signatureDetails(sig: SignatureReport): DetailItem[] {
  const items: DetailItem[] = [code('Result', sig.status)];
  if (sig.reason) items.push(quote('What the check found (it may quote the message or the certificate)', sig.reason));
  if (sig.emails.length > 0) items.push(quote('Addresses in the certificate', sig.emails.join(', ')));
  if (sig.signing_time) items.push({ label: 'Signing time, as the signer states it', value: formatDateTime(sig.signing_time) });
  if (sig.algorithm) items.push({ label: 'Algorithm', value: sig.algorithm });
  if (sig.fingerprint) items.push(code('Certificate fingerprint (SHA-256)', formatFingerprint(sig.fingerprint)));
  if (sig.reason_code) items.push(code('Certificate path problem', sig.reason_code));
  if (sig.anchor) {
    const source = sig.anchor.source === 'mozilla' ? 'Mozilla root program' : 'trusted by you';
    items.push(quote(`Trust anchor (${source})`, sig.anchor.name));
  }
  return items;
}

/** What the certificates and the message say, for the banner's details (quoted where they speak). */
export function bannerDetails(report: Report): DetailGroup[] {
  const groups: DetailGroup[] = [];
  const message = messageDetails(report);
  if (message.length > 0) groups.push({ title: 'This message', items: message });
  let n = 0;
  report.layers.forEach((layer, i) => {
    if (layer.type !== 'signed') return;
    const where = isOutside(report.layers, i) ? ', over the encrypted data' : '';
    for (const sig of layer.signatures) groups.push({ title: `Signature ${++n}${where}`, items: signatureDetails(sig) });
  });
  return groups;
}

/** The srcdoc for the sandboxed HTML frame: a CSP that blocks every network request. */
export const MESSAGE_FRAME_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export function messageFrameDocument(html: string): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${MESSAGE_FRAME_CSP}">` +
    '<style>html{color-scheme:light}body{margin:16px;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Cantarell,"Noto Sans",sans-serif;color:#1f2328;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}body:focus{outline:none}</style>' +
    // A focusable body: the frame takes a Tab stop and scrolls by keyboard (the app draws the ring).
    `</head><body tabindex="0">${html}</body></html>`
  );
}

/** The content cipher as people read it: the core names it in lower case (`aes-256-gcm`). */
export function cipherLabel(name: string): string {
  return name.toUpperCase().replace('DES-EDE3-CBC', '3DES-CBC');
}
