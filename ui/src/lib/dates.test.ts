import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, localDates } from './dates';

describe('dates', () => {
  it('one date style for every screen; not-a-date text stays', () => {
    expect(formatDate('2027-12-04T12:00:00Z')).toMatch(/Dec 4, 2027/);
    expect(formatDateTime('2027-12-04T12:00:00Z')).toMatch(/^Dec 4, 2027, \d{1,2}:\d{2}/);
    expect(formatDate('soon')).toBe('soon');
    expect(formatDateTime('')).toBe('');
  });
  it('the core’s sentences get their timestamps as dates', () => {
    expect(localDates('Valid until 2027-12-04T12:00:00Z (370 days left)')).toBe(`Valid until ${formatDate('2027-12-04T12:00:00Z')} (370 days left)`);
    expect(localDates('Expires in 3 days (on 2026-12-01T00:00:00+00:00): renew it now')).toMatch(/^Expires in 3 days \(on [A-Z][a-z]{2} \d{1,2}, 2026\): renew/);
    expect(localDates('For alice@example.test')).toBe('For alice@example.test');
  });
});
