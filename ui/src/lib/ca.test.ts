import { describe, expect, it } from 'vitest';
import { caFormProblem, checkVerdict, dismissKey, expiryNoticeText, fileStem, issueEmails, issueFormProblem, visibleNotices } from './ca';

describe('caFormProblem', () => {
  it.each([
    [{ name: 'Example Org CA', days: '3650' }, null],
    [{ name: '  ', days: '3650' }, /Give the authority a name/],
    [{ name: 'x'.repeat(65), days: '3650' }, /at most 64 characters/],
    [{ name: 'Org', days: '0' }, /whole number of days/],
    [{ name: 'Org', days: '12.5' }, /whole number of days/],
    [{ name: 'Org', days: '7301' }, /at most 7300 days/],
  ])('%j', (form, expected) => {
    const p = caFormProblem(form);
    if (expected === null) expect(p).toBeNull();
    else expect(p).toMatch(expected);
  });
});

describe('issueFormProblem', () => {
  const ok = { emails: 'ivy@example.test', days: '365', password: 'long enough', repeat: 'long enough' };
  it('accepts a complete form', () => expect(issueFormProblem(ok)).toBeNull());
  it.each([
    [{ emails: '' }, /at least one e-mail address/],
    [{ emails: 'ivy@example.test, not-an-address' }, /“not-an-address” is not an e-mail address/],
    [{ days: '826' }, /at most 825 days/],
    [{ days: '825' }, null],
    [{ days: '-3' }, /whole number of days/],
    [{ password: 'short', repeat: 'short' }, /at least 8 characters/],
    [{ repeat: 'long enough!' }, /not the same/],
  ])('%j', (over, expected) => {
    const p = issueFormProblem({ ...ok, ...over });
    if (expected === null) expect(p).toBeNull();
    else expect(p).toMatch(expected);
  });
  it('splits addresses on commas, spaces and new lines, without repeats', () => {
    expect(issueEmails('ivy@example.test,\nIvy.Two@example.test  ivy@example.test')).toEqual(['ivy@example.test', 'Ivy.Two@example.test']);
  });
});

describe('expiry notices', () => {
  const n = (fingerprint: string, threshold: number, days_left: number) => ({ fingerprint, threshold, days_left, emails: ['ivy@example.test'], subject: 'CN=Ivy' });
  it('a dismissal hides one threshold only: the next threshold warns again', () => {
    const dismissed = [dismissKey(n('aa', 30, 20))];
    expect(visibleNotices([n('aa', 30, 20)], dismissed)).toEqual([]);
    expect(visibleNotices([n('aa', 14, 10)], dismissed)).toHaveLength(1);
    expect(visibleNotices([n('bb', 30, 20)], dismissed)).toHaveLength(1);
  });
  it('says when, and what to do', () => {
    expect(expiryNoticeText(n('aa', 7, 5))).toMatch(/for ivy@example\.test expires in 5 days\. Ask your certificate authority/);
    expect(expiryNoticeText(n('aa', 7, 1))).toMatch(/expires tomorrow/);
    expect(expiryNoticeText(n('aa', 0, -2))).toMatch(/has expired/);
  });
});

describe('checkVerdict and fileStem', () => {
  it('words the verdict', () => {
    expect(checkVerdict(false, 'identity', false, false)).toMatch(/cannot be used now/);
    expect(checkVerdict(true, 'identity', true, true)).toMatch(/Everything works/);
    expect(checkVerdict(true, 'authority', false, false)).toMatch(/authority is ready/);
  });
  it('makes safe file names', () => {
    expect(fileStem('Example Org CA')).toBe('Example_Org_CA');
    expect(fileStem('a/b:c')).toBe('a_b_c');
    expect(fileStem('  ')).toBe('sealpost');
  });
});
