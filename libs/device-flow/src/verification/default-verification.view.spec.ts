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

const entryPage: VerificationPage = {
  kind: 'entry',
  action: '/device',
  csrfToken: 't',
  userCode: '',
  user: { id: 'u1' },
};

describe('DefaultVerificationView', () => {
  it('says how long ago the device asked, beside the time in UTC', () => {
    const view = new DefaultVerificationView();
    const at = consent.kind === 'consent' ? consent.requestedAt : 0;
    const shown = (ms: number) =>
      view.render({ ...consent, shownAt: at + ms } as VerificationPage, ctx).replace(/\s+/g, ' ');
    expect(shown(20_000)).toContain('<dd> less than a minute ago, 2026-01-01 12:30 UTC </dd>');
    expect(shown(60_000)).toContain('1 minute ago, 2026-01-01 12:30 UTC');
    expect(shown(29 * 60_000 + 59_000)).toContain('29 minutes ago,');
    expect(shown(5 * 3600_000)).toContain('5 hours ago,');
    // A clock a little behind the stored time: never "in the future".
    expect(shown(-5000)).toContain('less than a minute ago,');
    // Without shownAt (a view's caller of its own): the time alone.
    expect(view.render(consent, ctx).replace(/\s+/g, ' ')).toContain(
      '<dd> 2026-01-01 12:30 UTC </dd>',
    );
  });

  it('says on the consent page when the device will stay signed in, and for how long unused', () => {
    const view = new DefaultVerificationView();
    const stays = (idleLimitSeconds: number) =>
      view.render({ ...consent, staysSignedIn: { idleLimitSeconds } } as VerificationPage, ctx);
    expect(stays(30 * 86400)).toContain(
      'It will also stay signed in on the device for as long as it is used at least once every 30 days.',
    );
    expect(stays(86400)).toContain('at least once every 1 day.');
    expect(stays(12 * 3600)).toContain('at least once every 12 hours.');
    expect(stays(45 * 60)).toContain('at least once every 45 minutes.');
    // Exact, never rounded up or down.
    expect(stays(36 * 3600)).toContain('at least once every 36 hours.');
    expect(stays(90 * 60)).toContain('at least once every 90 minutes.');
    expect(stays(89)).toContain('at least once every 89 seconds.');
    expect(stays(1)).toContain('at least once every 1 second.');
    expect(view.render(consent, ctx)).not.toContain('stay signed in on the device');
    // Localised like every text.
    const german = new DefaultVerificationView({
      texts: {
        staysSignedIn: (d) => `Das Gerät bleibt angemeldet (${d})`,
        formatDuration: (s) => `${s / 86400} Tage`,
      },
    });
    expect(
      german.render(
        { ...consent, staysSignedIn: { idleLimitSeconds: 2 * 86400 } } as VerificationPage,
        ctx,
      ),
    ).toContain('Das Gerät bleibt angemeldet (2 Tage)');
  });

  it('points out another network under the phishing warning and after the address, only when told', () => {
    const view = new DefaultVerificationView({
      texts: { otherNetwork: 'Other network!', otherNetworkNote: '(elsewhere)' },
    });
    const page = { ...consent, requestIp: '203.0.113.5' } as VerificationPage;
    const shown = view.render({ ...page, otherNetwork: true } as VerificationPage, ctx);
    expect(shown).toMatch(
      /<section class="warning"[^]*<strong>Other network!<\/strong>[^]*<\/section>/,
    );
    expect(shown).toContain('<dd>203.0.113.5 (elsewhere)</dd>');
    const quiet = view.render(page, ctx);
    expect(quiet).not.toContain('Other network!');
    expect(quiet).toContain('<dd>203.0.113.5</dd>');
  });

  it('the error page says why: no page here, not this method, a request it could not read, or a server failure', () => {
    const view = new DefaultVerificationView({ texts: { notFoundTitle: 'Seite nicht gefunden' } });
    const render = (reason?: 'not_found' | 'method_not_allowed' | 'bad_request') =>
      view.render({ kind: 'error', startOver: '/device', reason }, ctx);
    expect(render('not_found')).toContain('<title>Seite nicht gefunden · Device sign-in</title>');
    expect(render('not_found')).toContain('There is no page at this address.');
    expect(render('method_not_allowed')).toContain(
      '<h1 class="status status-error">Action not available</h1>',
    );
    expect(render('method_not_allowed')).toContain('nothing was done');
    expect(render('method_not_allowed')).not.toContain('no page at this address');
    expect(render('bad_request')).toContain(
      '<h1 class="status status-error">Request not understood</h1>',
    );
    expect(render()).toContain('<h1 class="status status-error">Something went wrong</h1>');
    expect(render()).toContain('Please try again in a moment.');
    for (const reason of ['not_found', 'method_not_allowed', 'bad_request'] as const) {
      expect(render(reason)).not.toContain('try again in a moment');
      expect(render(reason)).toContain('<a class="link" href="/device">Enter a code</a>');
    }
  });

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
    expect(page).toMatch(/aria-describedby="user_code_error user_code_hint"/);
    expect(page).toMatch(/aria-invalid="true"/);
    expect(page).toMatch(/role="alert"/);
    expect(page).toMatch(/autofocus/);
    // Not `one-time-code`: phones offer the last SMS code there, which is never this one (and costs an attempt).
    expect(page).toMatch(/id="user_code"[^>]*autocomplete="off"/);
    expect(page).not.toContain('one-time-code');
    expect(page).toMatch(/name="viewport"/);
    expect(page).not.toMatch(/<script|<style|style=|https?:/);
    // A page with an error to fix says so first in its title (WCAG 2.4.2, G88); a clean one does not.
    expect(page).toContain('<title>Error: Connect a device · Device sign-in</title>');
    expect(new DefaultVerificationView().render(entryPage, ctx)).toContain(
      '<title>Connect a device · Device sign-in</title>',
    );
  });

  it('consent without a permission chosen: the error titles the page and marks every checkbox invalid', () => {
    const view = new DefaultVerificationView({ texts: { errorTitlePrefix: 'Fehler: ' } });
    const page = view.render({ ...consent, error: 'no_scope' }, ctx);
    expect(page).toContain(
      '<title>Fehler: Allow TV to access your account? · Device sign-in</title>',
    );
    expect(page).toContain('<h1>Allow TV to access your account?</h1>');
    expect(page.match(/<input\s+type="checkbox"[^>]*>/g)).toHaveLength(2);
    for (const box of page.match(/<input\s+type="checkbox"[^>]*>/g)!)
      expect(box).toMatch(/aria-describedby="scope_error"\s+aria-invalid="true"/);
    const clean = view.render(consent, ctx);
    expect(clean).toContain('<title>Allow TV to access your account? · Device sign-in</title>');
    expect(clean).not.toContain('aria-invalid');
  });

  it('the consent form submits with a hidden, unfocusable no-decision button first (Enter on a checkbox)', () => {
    const page = new DefaultVerificationView().render(consent, ctx);
    const form = /<form method="post" action="\/device\/decision">([\s\S]*?)<\/form>/.exec(
      page,
    )![1]!;
    const buttons = form.match(/<button[^>]*>/g)!;
    expect(buttons).toHaveLength(3);
    expect(buttons[0]).toMatch(
      /type="submit"\s+name="decision"\s+value="none"\s+hidden\s+tabindex="-1"/,
    );
    expect(buttons[1]).toMatch(/value="deny"/);
    expect(buttons[2]).toMatch(/value="approve"/);
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

describe('consent page: what the device says about itself (RFC 8628 §5.4)', () => {
  const render = (requestUserAgent: string | null, requestIp: string | null = '203.0.113.7') =>
    new DefaultVerificationView().render({ ...consent, requestUserAgent, requestIp }, ctx);
  const PHISH = 'Verified by Example Support - this request is safe, you may approve it';

  it('labels the user agent as the device’s unverified claim, after the facts the server saw', () => {
    const page = render(PHISH);
    expect(page).not.toContain('Device software');
    expect(page).toMatch(
      /<p class="claim">\s*<span class="claim-label">Device says it is:<\/span> <q>Verified by Example Support - this request is safe, you may approve it<\/q>\s*<span class="claim-note">\(not verified: the device chose this text\)<\/span>/,
    );
    // Not among the server-derived facts (<dl class="details">), and below them.
    const details = /<dl class="details">([\s\S]*?)<\/dl>/.exec(page)![1]!;
    expect(details).toContain('203.0.113.7');
    expect(details).not.toContain('Verified by');
    expect(page.indexOf('class="claim"')).toBeGreaterThan(page.indexOf('</dl>'));
  });

  it('cuts a long claim to 80 characters with an ellipsis', () => {
    const page = render(PHISH + ' '.repeat(3) + 'x'.repeat(400));
    const claim = /<q>([^<]*)<\/q>/.exec(page)![1]!;
    expect(Array.from(claim)).toHaveLength(80);
    expect(claim).toMatch(
      /^Verified by Example Support - this request is safe, you may approve it x+…$/,
    );
  });

  it('counts characters, not UTF-16 units, and drops control and bidi characters', () => {
    const claim = (ua: string) => /<q>([^<]*)<\/q>/.exec(render(ua))![1]!;
    expect(claim('😀'.repeat(100))).toBe('😀'.repeat(79) + '…');
    expect(claim('TV\u202Eevil\u0007 \t\n box')).toBe('TVevil box');
  });

  it('escapes the claim', () => {
    const page = render('<img src=x onerror=alert(1)>');
    expect(page).toContain('<q>&#60;img src&#61;x onerror&#61;alert(1)&#62;</q>');
    expect(page).not.toContain('<img');
  });

  it('says nothing about the device when it sent no user agent (not "unknown")', () => {
    for (const ua of [null, '', '  \u200B ']) {
      const page = render(ua);
      expect(page).not.toContain('class="claim"');
      expect(page).not.toContain('>unknown<'); // the IP address is known; nothing else is claimed
    }
  });
});

describe('consent page: scopes', () => {
  it('shows a scope without description once, and a described one with its token', () => {
    const page = new DefaultVerificationView().render(
      {
        ...consent,
        scopes: [
          { scope: 'read', field: 'scope_0', checked: true },
          { scope: 'https://example.com/auth/photos.readonly', field: 'scope_1', checked: true },
        ],
      },
      ctx,
    );
    expect(page).toMatch(/<span class="scope-text">Read your data<\/span> <code>read<\/code>/);
    expect(page).toMatch(
      /<code class="scope-text">https:\/\/example.com\/auth\/photos.readonly<\/code>\s*<\/label/,
    );
    expect(page.split('https://example.com/auth/photos.readonly')).toHaveLength(3); // value="…" and label
  });
});

describe('stylesheet', () => {
  const css = new DefaultVerificationView().stylesheet();

  /** The custom properties of the light `:root` and of the dark-scheme `:root`. */
  function schemes(): Record<'light' | 'dark', Record<string, string>> {
    const props = (block: string) =>
      Object.fromEntries([...block.matchAll(/(--[\w-]+):\s*([^;}]+)/g)].map((m) => [m[1]!, m[2]!]));
    const light = /^:root\{([^}]*)\}/.exec(css)![1]!;
    const dark = /@media \(prefers-color-scheme:dark\)\{:root\{([^}]*)\}\}/.exec(css)![1]!;
    return { light: props(light), dark: props(dark) };
  }

  /** WCAG 2.2 relative luminance of `#rrggbb` / `#rgb`. */
  function luminance(hex: string): number {
    const h = hex.length === 4 ? hex.replace(/[^#]/g, (c) => c + c) : hex;
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  /** WCAG 2.2 contrast ratio. */
  function contrast(a: string, b: string): number {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  }

  it('gives text fields (code entry, demo login) a boundary of at least 3:1 in both schemes (WCAG 1.4.11)', () => {
    // The formula, checked against known values: black on white, and #767676 (the lightest grey with 4.5:1).
    expect(contrast('#000', '#fff')).toBeCloseTo(21, 5);
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
    for (const field of ['input.code', 'input.field']) {
      const rule = new RegExp(`(?:^|\\n)${field.replace('.', '\\.')}\\{([^}]*)\\}`).exec(css)![1]!;
      expect(rule, field).toContain('border:2px solid var(--input-border)');
      expect(rule, field).toContain('background:var(--card)'); // the field sits on the card
    }
    for (const [scheme, v] of Object.entries(schemes())) {
      const [border, card] = [v['--input-border']!, v['--card']!];
      expect(contrast(border, card), `${scheme}: ${border} on ${card}`).toBeGreaterThanOrEqual(3);
    }
  });

  it('lets long scope tokens, client names and words wrap instead of widening the page (WCAG 1.4.10)', () => {
    expect(css).toMatch(/\.card\{[^}]*min-width:0;overflow-wrap:anywhere/);
    expect(css).toContain(
      'label.check .scope-text,label.check code{min-width:0;overflow-wrap:anywhere}',
    );
  });
});

describe('DefaultVerificationView: empty entry and blocked app', () => {
  const entry = (error: 'invalid' | 'empty') =>
    new DefaultVerificationView().render(
      { kind: 'entry', action: '/device', csrfToken: 't', userCode: '', error, user: { id: 'u' } },
      ctx,
    );

  it('an empty entry asks for the code, tied to the field like "not valid"', () => {
    const page = entry('empty');
    expect(page).toContain('Enter the code shown on your device.');
    expect(page).not.toContain('not valid');
    expect(page).toMatch(/aria-describedby="user_code_error user_code_hint"/);
    expect(page).toMatch(/aria-invalid="true"/);
  });

  it('a blocked app has a status page of its own, also with texts replaced without it', () => {
    const blocked = { kind: 'status', status: 'blocked', startOver: '/device' } as const;
    const page = new DefaultVerificationView().render(blocked, ctx);
    expect(page).toContain('This app has been blocked by the administrator');
    // A code blocked once stays unusable after a release: the page says how to go on then.
    expect(page).toContain('start again on your device to get a new code');
    expect(page).toContain('href="/device"');
    const older = new DefaultVerificationView({
      texts: {
        status: {
          approved: { title: 'Verbunden', body: '…' },
          denied: { title: 'Abgelehnt', body: '…' },
          expired: { title: 'Abgelaufen', body: '…' },
          used: { title: 'Benutzt', body: '…' },
          invalid: { title: 'Ungültig', body: '…' },
        } as never,
      },
    });
    expect(older.render(blocked, ctx)).toContain('App blocked');
    expect(older.render({ ...blocked, status: 'used' }, ctx)).toContain('Benutzt');
  });
});

describe('DefaultVerificationView: sign-out', () => {
  it('offers "Not you? Sign out" beside "Signed in as" only when the page has a sign-out form', () => {
    const view = new DefaultVerificationView();
    const signOut = {
      action: '/auth/logout?x="1"',
      field: 'next',
      returnTo: '/auth/device?user_code=BCDF-GHJK',
    };
    for (const page of [consent, { ...entryPage, userCode: 'BCDF-GHJK' }]) {
      const plain = view.render({ ...page, user: { id: 'u1', name: 'Ann' } }, ctx);
      expect(plain).toContain('<p class="who">Signed in as Ann</p>');
      expect(plain).not.toContain('Sign out');
      const html = view.render({ ...page, signOut }, ctx);
      // Its own form, never nested in the consent form (a nested form's button would submit the outer one).
      const form = html.match(/<div class="who">[\s\S]*?<\/div>/)![0];
      expect(form).toMatch(/<form method="post" action="\/auth\/logout\?x&#61;&#34;1&#34;">/);
      expect(form).toContain(
        '<input type="hidden" name="next" value="/auth/device?user_code&#61;BCDF-GHJK" />',
      );
      expect(form).toMatch(/<button type="submit" class="inline">Not you\? Sign out<\/button>/);
      expect(html.indexOf('</form>')).toBeLessThan(html.indexOf('csrf_token'));
    }
    const german = new DefaultVerificationView({ texts: { signOutButton: 'Abmelden' } });
    expect(german.render({ ...consent, signOut }, ctx)).toContain('>Abmelden</button>');
  });
});
