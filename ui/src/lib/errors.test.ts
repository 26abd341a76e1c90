import { describe, expect, it } from 'vitest';
import { CommandError, errorText, hasCode, toCommandError } from './errors';

describe('toCommandError', () => {
  it('keeps the code and message of an ApiError from the core', () => {
    const e = toCommandError({ code: 'wrong-password', message: 'the password for alice.p12 is not right' });
    expect(e).toBeInstanceOf(CommandError);
    expect(e.code).toBe('wrong-password');
    expect(e.message).toBe('the password for alice.p12 is not right');
  });

  it('maps unknown codes, plain strings and Errors to "internal"', () => {
    expect(toCommandError({ code: 'exploded', message: 'x' }).code).toBe('internal');
    expect(toCommandError('command app_status not found').code).toBe('internal');
    expect(toCommandError(new Error('boom')).message).toBe('boom');
    expect(toCommandError(undefined).message).toBe('Something went wrong.');
  });
});

describe('errorText', () => {
  it('shows the core’s message as a sentence', () => {
    expect(errorText({ code: 'wrong-password', message: 'the password is not right' })).toBe('The password is not right.');
  });

  it('prefixes what was being done', () => {
    expect(errorText({ code: 'bad-input', message: 'not a certificate.' }, 'Import failed')).toBe('Import failed: Not a certificate.');
  });

  it('falls back to plain words per code when the message is empty', () => {
    expect(errorText({ code: 'keystore-locked', message: '' })).toBe('The key file is locked. Enter its passphrase to continue.');
    expect(errorText({ code: 'decryption-failed', message: ' ' })).toBe(
      'This message could not be decrypted with any of your identities.',
    );
  });
});

describe('hasCode', () => {
  it('branches on the code, never on the text', () => {
    expect(hasCode({ code: 'keystore-locked', message: 'wrong-password' }, 'keystore-locked')).toBe(true);
    expect(hasCode({ code: 'keystore-locked', message: 'wrong-password' }, 'wrong-password')).toBe(false);
    expect(hasCode({ code: 'cancelled', message: 'x' }, 'internal')).toBe(true);
  });
});
