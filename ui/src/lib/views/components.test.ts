// @vitest-environment jsdom
// Component tests: the chips and the banner render what the logic decided, with accessible text.
import { describe, expect, it, vi } from 'vitest';
import { render, screen, fireEvent } from '@testing-library/svelte';
import RecipientField from './RecipientField.svelte';
import SecurityBanner from './SecurityBanner.svelte';
import { chipFor } from '../compose';
import { parseAddresses } from '../addresses';

describe('RecipientField', () => {
  it('shows one chip per address with its certificate state, and removes one', async () => {
    const statuses = new Map([
      ['bob@example.test', { email: 'bob@example.test', has_certificate: true, fingerprint: 'aa', problem: null, change: null }],
      ['carol@example.test', { email: 'carol@example.test', has_certificate: false, fingerprint: null, problem: null, change: null }],
    ]);
    const chips = parseAddresses('bob@example.test, carol@example.test').map((t) => chipFor(t, statuses));
    const onremove = vi.fn();
    render(RecipientField, { id: 'compose-to', label: 'To', value: 'bob@example.test, carol@example.test', chips, onremove });

    expect(screen.getByLabelText('To')).toBeTruthy();
    const items = screen.getAllByTestId('recipient-chip');
    expect(items.map((li) => [li.dataset.email, li.dataset.state, li.textContent?.replace(/\s+/g, ' ').trim()])).toEqual([
      ['bob@example.test', 'known', 'bob@example.test certificate known'],
      ['carol@example.test', 'missing', 'carol@example.test no certificate'],
    ]);
    await fireEvent.click(screen.getByRole('button', { name: 'Remove carol@example.test' }));
    expect(onremove).toHaveBeenCalledWith('carol@example.test');
  });
});

describe('SecurityBanner', () => {
  it('renders the app’s fixed verdict; the core’s reason is only quoted in the details', () => {
    render(SecurityBanner, {
      report: {
        encrypted: false,
        signed: true,
        valid: false,
        from: 'alice@example.test',
        protected_headers: [],
        header_mismatches: [],
        cert_changes: [],
        layers: [
          {
            type: 'signed',
            form: 'multipart-signed',
            signatures: [{ status: 'invalid', reason: 'the digest <b>differs</b>', emails: ['alice@example.test'], fingerprint: null, algorithm: 'x', signing_time: null, reason_code: null, anchor: null }],
          },
        ],
      },
    });
    const banner = screen.getByTestId('security-banner');
    expect(banner.dataset.tone).toBe('bad');
    expect(banner.textContent).toContain('Signature not valid: the message was changed after it was signed, or the signature is damaged');
    expect(banner.textContent).not.toContain('digest');
    const details = screen.getByTestId('security-details');
    expect(details.tagName).toBe('DETAILS');
    expect(details.querySelector('summary')?.textContent).toBe('Details');
    // Quoted as text: the markup in the reason is not markup here.
    expect(details.textContent).toContain('“the digest <b>differs</b>”');
    expect(details.querySelector('b')).toBeNull();
  });
});
