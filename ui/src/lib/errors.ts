// Errors crossing the IPC edge are `{ code, message }` (ApiError). The UI shows `message` in
// plain words and branches on `code`; it never matches on message text.
import type { ApiError, ErrorCode } from './ipc/types';

/** An error code the UI may see: the core's codes plus one for failures outside the core. */
export type UiErrorCode = ErrorCode | 'internal';

export class CommandError extends Error {
  readonly code: UiErrorCode;
  constructor(code: UiErrorCode, message: string) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
  }
}

/** What to say when the core gave no message of its own. */
const FALLBACK: Record<UiErrorCode, string> = {
  'bad-input': 'Sealpost could not read that input.',
  'not-found': 'That item no longer exists.',
  ambiguous: 'More than one item matches; choose one more precisely.',
  'wrong-password': 'The password is not right.',
  'keystore-unavailable': 'No keystore is available to hold private keys.',
  'keystore-locked': 'The key file is locked. Enter its passphrase to continue.',
  'decryption-failed': 'This message could not be decrypted with any of your identities.',
  'signature-invalid': 'The signature is not valid.',
  storage: 'Sealpost could not read or write its data.',
  network: 'The mail server could not be reached.',
  internal: 'Something went wrong.',
};

function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string';
}

/** Whatever a rejected promise carried, as a CommandError with a known code. */
export function toCommandError(value: unknown): CommandError {
  if (value instanceof CommandError) return value;
  if (isApiError(value)) {
    // Codes come from the generated ErrorCode union; anything else is treated as internal.
    const code: UiErrorCode = Object.hasOwn(FALLBACK, value.code) ? (value.code as UiErrorCode) : 'internal';
    return new CommandError(code, value.message);
  }
  if (value instanceof Error) return new CommandError('internal', value.message);
  if (typeof value === 'string') return new CommandError('internal', value);
  return new CommandError('internal', 'Something went wrong.');
}

function capitalise(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1);
}

/** The plain-words sentence to show for an error, optionally prefixed with what was being done. */
export function errorText(error: unknown, doing?: string): string {
  const e = toCommandError(error);
  let message = e.message.trim() || FALLBACK[e.code];
  message = capitalise(message);
  if (!/[.!?]$/.test(message)) message += '.';
  return doing ? `${doing}: ${message}` : message;
}

export function hasCode(error: unknown, code: UiErrorCode): boolean {
  return toCommandError(error).code === code;
}
