// What a path is, judged by its extension (the same rule for dropped files and dialog picks).

export type FileKind = 'identity' | 'certificate' | 'message' | 'unsupported';

export const IDENTITY_EXTENSIONS = ['p12', 'pfx'] as const;
/** Public certificates, and revocation lists (.crl) imported by hand for offline use. */
export const CERTIFICATE_EXTENSIONS = ['pem', 'cer', 'crt', 'der', 'p7b', 'p7c', 'crl'] as const;
export const MESSAGE_EXTENSIONS = ['eml', 'p7m'] as const;

export function basename(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

export function extension(path: string): string {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

export function classifyPath(path: string): FileKind {
  const ext = extension(path);
  if ((IDENTITY_EXTENSIONS as readonly string[]).includes(ext)) return 'identity';
  if ((CERTIFICATE_EXTENSIONS as readonly string[]).includes(ext)) return 'certificate';
  if ((MESSAGE_EXTENSIONS as readonly string[]).includes(ext)) return 'message';
  return 'unsupported';
}

export type SortedPaths = { identities: string[]; certificates: string[]; messages: string[]; unsupported: string[] };

export function sortPaths(paths: readonly string[]): SortedPaths {
  const out: SortedPaths = { identities: [], certificates: [], messages: [], unsupported: [] };
  for (const p of paths) {
    const kind = classifyPath(p);
    if (kind === 'identity') out.identities.push(p);
    else if (kind === 'certificate') out.certificates.push(p);
    else if (kind === 'message') out.messages.push(p);
    else out.unsupported.push(p);
  }
  return out;
}

export function formatBytes(size: number): string {
  if (!Number.isFinite(size) || size < 0) return '';
  if (size < 1024) return `${size} byte${size === 1 ? '' : 's'}`;
  const units = ['KB', 'MB', 'GB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
