import { describe, expect, it } from 'vitest';
import { isEmail, parseAddresses, removeAddress } from './addresses';

describe('parseAddresses', () => {
  it('splits on commas, semicolons and spaces', () => {
    expect(parseAddresses('alice@example.test, bob@example.test;carol@example.test  dave@example.test').map((t) => t.email)).toEqual([
      'alice@example.test',
      'bob@example.test',
      'carol@example.test',
      'dave@example.test',
    ]);
  });

  it('ignores empty pieces and trailing separators', () => {
    expect(parseAddresses(' ,, alice@example.test , ')).toHaveLength(1);
    expect(parseAddresses('')).toEqual([]);
  });

  it('drops duplicates case-insensitively, keeping the first spelling', () => {
    const tokens = parseAddresses('Bob@Example.test bob@example.TEST');
    expect(tokens).toEqual([{ email: 'Bob@Example.test', key: 'bob@example.test', valid: true }]);
  });

  it('takes the address out of "Name <addr>" and quoted names with commas', () => {
    expect(parseAddresses('Bob Smith <bob@example.test>, "Doe, Jane" <jane@example.test>').map((t) => t.email)).toEqual([
      'bob@example.test',
      'jane@example.test',
    ]);
  });

  it('marks what is not an address as invalid (incomplete typing included)', () => {
    const tokens = parseAddresses('bob@exa nobody alice@example.test');
    expect(tokens.map((t) => [t.email, t.valid])).toEqual([
      ['bob@exa', false],
      ['nobody', false],
      ['alice@example.test', true],
    ]);
  });
});

describe('isEmail', () => {
  it.each(['a@b.co', 'first.last+tag@sub.example.test'])('accepts %s', (e) => expect(isEmail(e)).toBe(true));
  it.each(['a@b', '@b.co', 'a b@c.de', 'a@b..c', 'a@@b.co'])('rejects %s', (e) => expect(isEmail(e)).toBe(false));
});

describe('removeAddress', () => {
  it('removes one address and normalises the separators', () => {
    expect(removeAddress('a@x.test b@x.test;c@x.test', 'b@x.test')).toBe('a@x.test, c@x.test');
  });
});
