import { describe, expect, it } from 'vitest';
import { DefaultVerificationView } from './default-verification.view.js';
import type { VerificationPage } from './verification.view.js';

const ctx = { stylesheetUrl: '/device/style.css' };
const consent: VerificationPage = {
  kind: 'consent',
  action: '/device/decision',
  csrfToken: 'tok',
  userCode: 'BCDF-GHJK',
  clientName: 'TV',
  scopes: [
    { scope: 'read', field: 'scope_0', checked: true },
    { scope: 'custom', field: 'scope_1', checked: false },
  ],
  requestedAt: Date.UTC(2026, 0, 1, 12, 30),
  requestIp: null,
  requestUserAgent: null,
  user: { id: 'u1' },
};

describe('DefaultVerificationView', () => {
  it('renders accessible, script-free pages', () => {
    const page = new DefaultVerificationView().render(
      {
        kind: 'entry',
        action: '/device',
        csrfToken: 't',
        userCode: '',
        error: 'invalid',
        user: { id: 'u1' },
      },
      ctx,
    );
    expect(page).toMatch(/<label for="user_code">Code<\/label>/);
    expect(page).toMatch(/aria-describedby="user_code_hint user_code_error"/);
    expect(page).toMatch(/aria-invalid="true"/);
    expect(page).toMatch(/role="alert"/);
    expect(page).toMatch(/autofocus/);
    expect(page).toMatch(/name="viewport"/);
    expect(page).not.toMatch(/<script|<style|style=|https?:/);
  });

  it('takes replacement texts and scope descriptions (localisation)', () => {
    const view = new DefaultVerificationView({
      texts: {
        lang: 'de',
        approveButton: 'Erlauben',
        consentTitle: (c) => `${c} Zugriff erlauben?`,
        scopeDescriptions: { custom: 'Etwas Eigenes' },
        formatDate: () => 'gestern',
      },
    });
    const page = view.render(consent, ctx);
    expect(page).toContain('<html lang="de">');
    expect(page).toContain('Erlauben');
    expect(page).toContain('TV Zugriff erlauben?');
    expect(page).toContain('Etwas Eigenes');
    expect(page).toContain('Read your data'); // defaults kept for scopes not replaced
    expect(page).toContain('gestern');
  });

  it('shows unknown origins plainly and keeps the user’s unchecked scopes unchecked', () => {
    const page = new DefaultVerificationView().render(consent, ctx);
    expect(page).toMatch(/From IP address<\/dt>\s*<dd>unknown<\/dd>/);
    expect(page).toMatch(/name="scope_0"\s+value="read"\s+checked/);
    expect(page).not.toMatch(/name="scope_1"\s+value="custom"\s+checked/);
    expect(page).toContain('2026-01-01 12:30 UTC');
  });

  it('appends branding CSS', () => {
    expect(new DefaultVerificationView({ extraCss: '.brand{}' }).stylesheet()).toMatch(
      /\.brand\{\}$/,
    );
  });
});
