// The security banner is drawn by the app, outside the message frame, from the core's Report.
import type { Report } from './ipc/types';

export type BannerTone = 'good' | 'bad' | 'neutral';
export type BannerLine = { kind: 'signature-valid' | 'signature-invalid' | 'encrypted' | 'plain'; text: string };
export type Banner = { tone: BannerTone; lines: BannerLine[] };

function firstSentence(reason: string): string {
  const r = reason.trim();
  return r.endsWith('.') ? r.slice(0, -1) : r;
}

export function securityBanner(report: Report): Banner {
  const lines: BannerLine[] = [];
  let invalid = false;
  for (const layer of report.layers) {
    if (layer.type !== 'signed') continue;
    if (layer.signatures.length === 0) {
      invalid = true;
      lines.push({ kind: 'signature-invalid', text: 'Signature not valid: the message carries no signature' });
    }
    for (const sig of layer.signatures) {
      if (sig.status === 'valid') {
        const who = sig.emails.length > 0 ? sig.emails.join(', ') : 'an unnamed signer';
        lines.push({ kind: 'signature-valid', text: `Signed by ${who} — valid` });
      } else {
        invalid = true;
        const reason = sig.reason ? firstSentence(sig.reason) : sig.status.replace(/-/g, ' ');
        lines.push({ kind: 'signature-invalid', text: `Signature not valid: ${reason}` });
      }
    }
  }
  if (report.signed && !report.layers.some((l) => l.type === 'signed')) {
    invalid = true;
    lines.push({ kind: 'signature-invalid', text: 'Signature not valid: the signature could not be read' });
  }
  for (const layer of report.layers) {
    if (layer.type === 'enveloped' || layer.type === 'auth-enveloped') {
      lines.push({ kind: 'encrypted', text: `Encrypted with ${cipherLabel(layer.cipher)}` });
    }
  }
  if (lines.length === 0) {
    return { tone: 'neutral', lines: [{ kind: 'plain', text: 'Not signed, not encrypted' }] };
  }
  const tone: BannerTone = invalid || (report.signed && !report.valid) ? 'bad' : 'good';
  // Failures first: they are what the reader must see.
  lines.sort((a, b) => Number(b.kind === 'signature-invalid') - Number(a.kind === 'signature-invalid'));
  return { tone, lines };
}

/** The srcdoc for the sandboxed HTML frame: a CSP that blocks every network request. */
export const MESSAGE_FRAME_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export function messageFrameDocument(html: string): string {
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${MESSAGE_FRAME_CSP}">` +
    '<style>html{color-scheme:light}body{margin:16px;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Cantarell,"Noto Sans",sans-serif;color:#1f2328;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style>' +
    `</head><body>${html}</body></html>`
  );
}

/** The content cipher as people read it: the core names it in lower case (`aes-256-gcm`). */
export function cipherLabel(name: string): string {
  return name.toUpperCase().replace('DES-EDE3-CBC', '3DES-CBC');
}
