// Recipient fields: the user types addresses separated by commas, semicolons or spaces; each
// becomes a chip. "Name <addr>" is accepted (the name is dropped; the address is what counts).

export type AddressToken = {
  /** The address as typed (without angle brackets or quotes). */
  email: string;
  /** Lower-cased form used for comparisons and lookups. */
  key: string;
  valid: boolean;
};

const EMAIL = /^[^\s@<>(),;:"\[\]\\]+@[^\s@<>(),;:"\[\]\\.]+(\.[^\s@<>(),;:"\[\]\\.]+)+$/;

export function isEmail(text: string): boolean {
  return EMAIL.test(text);
}

/** Splits a To/Cc field into address tokens, dropping duplicates (case-insensitive). */
export function parseAddresses(text: string): AddressToken[] {
  const tokens: AddressToken[] = [];
  const seen = new Set<string>();
  // Quoted display names may contain commas: drop them first.
  const unquoted = text.replace(/"[^"]*"/g, ' ');
  for (const segment of unquoted.split(/[,;]+/)) {
    const close = segment.lastIndexOf('>');
    const angled = [...segment.matchAll(/<([^<>]*)>/g)].map((m) => m[1]);
    // "Name <addr>": the address in brackets counts, the name around it does not.
    const pieces = angled.length > 0 ? [...angled, ...segment.slice(close + 1).split(/\s+/)] : segment.split(/\s+/);
    for (const piece of pieces) {
      const email = piece.replace(/^[<'(]+|[>')]+$/g, '').trim();
      if (!email) continue;
      const key = email.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      tokens.push({ email, key, valid: isEmail(email) });
    }
  }
  return tokens;
}

/** The field's text with one address removed (used by the chip's remove button). */
export function removeAddress(text: string, key: string): string {
  return parseAddresses(text)
    .filter((t) => t.key !== key)
    .map((t) => t.email)
    .join(', ');
}
