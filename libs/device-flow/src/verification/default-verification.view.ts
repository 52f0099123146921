import { html, type SafeHtml, visibleText } from './html.js';
import {
  NO_DECISION,
  type SignOutForm,
  type VerificationPage,
  type VerificationPageContext,
  type VerificationStatus,
  type VerificationView,
} from './verification.view.js';

/**
 * Every text of the default pages; replace any of them (e.g. to localise) with
 * `new DefaultVerificationView({ texts: { … } })`. Texts are plain strings: they are HTML-escaped.
 */
export interface VerificationTexts {
  lang: string;
  productName: string;
  signedInAs: (name: string) => string;
  /** The sign-out button beside "Signed in as …" (shown when `verification.logoutUrl` is set). */
  signOutButton: string;
  entryTitle: string;
  entryIntro: string;
  codeLabel: string;
  codeHint: string;
  continueButton: string;
  invalidCode: string;
  /** The code field was submitted empty. */
  emptyCode: string;
  csrfFailed: string;
  consentTitle: (client: string) => string;
  consentIntro: (client: string) => string;
  compareCode: string;
  scopesHeading: string;
  scopesHint: string;
  noScopes: string;
  /**
   * Said under the permissions when the device will stay signed in whatever is ticked (a refresh token without
   * `offline_access` asked for), with how long it may go unused, from {@link formatDuration}.
   */
  staysSignedIn?: (idleLimit: string) => string;
  noScopeChosen: string;
  requestHeading: string;
  requestedAt: string;
  requestedFrom: string;
  /**
   * Label of the device's own description of itself (its `User-Agent`): text the device chose, so it is
   * labelled as the device's claim, never as a fact. @see RFC 8628 §5.4
   */
  requestedBy: string;
  /** Said after the device's claim: that nobody checked it. */
  notVerified: string;
  unknown: string;
  phishingHeading: string;
  phishingWarning: string;
  /**
   * Said under the phishing warning when the page is shown on another network than the one the device's request
   * came from (`otherNetwork` of the consent page). @see RFC 8628 §5.4
   */
  otherNetwork?: string;
  /** Said after the request's IP address in that case. */
  otherNetworkNote?: string;
  approveButton: string;
  denyButton: string;
  /** Plain-language descriptions of scopes; a scope without one is shown by its name. */
  scopeDescriptions: Record<string, string>;
  status: Record<VerificationStatus, { title: string; body: string }>;
  lockedTitle: string;
  locked: (minutes: number) => string;
  refusedTitle: string;
  refused: string;
  /** The error page when the server failed (500, 503): trying again later may work. */
  errorTitle: string;
  error: string;
  /** The error page for an address with no page (404). */
  notFoundTitle: string;
  notFound: string;
  /** The error page for a page asked with a method it does not serve (405). */
  methodNotAllowedTitle: string;
  methodNotAllowed: string;
  /** The error page for a request the page could not read (a malformed URL, an unreadable body). */
  badRequestTitle: string;
  badRequest: string;
  /**
   * Put before the page title (the browser tab, what a screen reader announces first) when the page shows an
   * error to fix: a wrong code, no permission ticked. @see WCAG 2.2 SC 2.4.2, technique G88
   */
  errorTitlePrefix: string;
  startOver: string;
  formatDate: (ms: number) => string;
  /**
   * How long ago the device asked, beside {@link formatDate}'s time, which is in UTC: a user anywhere can tell
   * a request they just started from an old one. `ms`: the request's age.
   */
  formatAge?: (ms: number) => string;
  /**
   * A duration in seconds as words, in the largest unit that states it exactly: `30 days`, `36 hours`,
   * `90 minutes`, `89 seconds`.
   */
  formatDuration?: (seconds: number) => string;
}

/** The default (English) texts. */
export const DEFAULT_VERIFICATION_TEXTS: Required<VerificationTexts> = {
  lang: 'en',
  productName: 'Device sign-in',
  signedInAs: (name) => `Signed in as ${name}`,
  signOutButton: 'Not you? Sign out',
  entryTitle: 'Connect a device',
  entryIntro: 'Enter the code shown on your TV, console or other device.',
  codeLabel: 'Code',
  codeHint: 'Upper or lower case, with or without the dash.',
  continueButton: 'Continue',
  invalidCode: 'That code is not valid. Check it and try again.',
  emptyCode: 'Enter the code shown on your device.',
  csrfFailed:
    'Your form expired, so nothing was done. Enter or check the code, then press Continue.',
  consentTitle: (client) => `Allow ${client} to access your account?`,
  consentIntro: (client) => `${client} is asking to sign in to your account.`,
  compareCode: 'Make sure this code matches the one on your device:',
  scopesHeading: 'It will be able to',
  scopesHint: 'Untick anything you do not want to allow.',
  noScopes: 'Sign in as you (no other access).',
  staysSignedIn: (idleLimit) =>
    `It will also stay signed in on the device for as long as it is used at least once every ${idleLimit}.`,
  noScopeChosen: 'Choose at least one permission, or deny the request.',
  requestHeading: 'About this request',
  requestedAt: 'Requested',
  requestedFrom: 'From IP address',
  requestedBy: 'Device says it is:',
  notVerified: '(not verified: the device chose this text)',
  unknown: 'unknown',
  phishingHeading: 'Only approve a device you are using right now',
  phishingWarning:
    'Approve only if you started this sign-in yourself, on a device in front of you. If someone sent you ' +
    'this code or asked you to enter it, deny: they are trying to get into your account.',
  otherNetwork:
    'This request came from a different network than the one you are on now. That can be normal (your phone ' +
    'on mobile data, a device at another place of yours), but if you did not start it yourself on a device in ' +
    'front of you, deny.',
  otherNetworkNote: '(not the network you are on now)',
  approveButton: 'Approve',
  denyButton: 'Deny',
  scopeDescriptions: {
    openid: 'Confirm who you are',
    profile: 'See your name and basic profile',
    email: 'See your email address',
    read: 'Read your data',
    write: 'Change your data',
    offline_access: 'Stay signed in on the device when you are not using it',
  },
  status: {
    approved: {
      title: 'Device connected',
      body: 'You can return to your device; it will finish signing in by itself.',
    },
    denied: {
      title: 'Request denied',
      body: 'The device was not given access. You can close this page.',
    },
    expired: {
      title: 'Code expired',
      body: 'This code is too old. Start again on your device to get a new code.',
    },
    used: {
      title: 'Code already used',
      body: 'This code was already approved or denied and cannot be used again.',
    },
    invalid: {
      title: 'Code not valid',
      body: 'That code is not valid. Check it and try again.',
    },
    blocked: {
      title: 'App blocked',
      body:
        'This app has been blocked by the administrator, so this code cannot be used, even once the app is ' +
        'allowed again: then start again on your device to get a new code. If you think this is a mistake, ' +
        'contact your administrator.',
    },
  },
  lockedTitle: 'Too many attempts',
  locked: (minutes) =>
    `Too many codes were tried. For your security, wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`,
  refusedTitle: 'Request refused',
  refused:
    'This form was sent from another site or has expired, so it was not processed. Start again from this page.',
  errorTitle: 'Something went wrong',
  errorTitlePrefix: 'Error: ',
  error: 'We could not complete your request. Please try again in a moment.',
  notFoundTitle: 'Page not found',
  notFound: 'There is no page at this address. To connect a device, enter the code it shows.',
  methodNotAllowedTitle: 'Action not available',
  methodNotAllowed:
    'This page cannot be used that way, so nothing was done. To connect a device, enter the code it shows.',
  badRequestTitle: 'Request not understood',
  badRequest: 'This page could not read what your browser sent. Start again and enter the code.',
  startOver: 'Enter a code',
  formatDate: (ms) =>
    new Date(ms)
      .toISOString()
      .replace('T', ' ')
      .replace(/:\d\d\.\d+Z$/, ' UTC'),
  formatAge: (ms) => {
    const minutes = Math.floor(ms / 60_000);
    if (minutes < 1) return 'less than a minute ago';
    if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
    return `${Math.floor(minutes / 60)} hours ago`;
  },
  formatDuration: (seconds) => {
    // Never rounded: a page promising "2 days" for 36 hours would sign out a device used every 40 hours.
    const [size, unit] = (
      [
        [86400, 'day'],
        [3600, 'hour'],
        [60, 'minute'],
      ] as const
    ).find(([size]) => seconds >= size && seconds % size === 0) ?? [1, 'second'];
    const n = seconds / size;
    return `${n} ${unit}${n === 1 ? '' : 's'}`;
  },
};

/** Options of {@link DefaultVerificationView}. */
export interface DefaultVerificationViewOptions {
  /** Replacement texts, merged over {@link DEFAULT_VERIFICATION_TEXTS}. */
  texts?: Partial<VerificationTexts>;
  /** Extra CSS appended to the default stylesheet (branding). */
  extraCss?: string;
}

/**
 * The consent form's first submit button, hidden: Enter pressed on a permission checkbox submits the form with
 * it ({@link NO_DECISION}), and nothing is decided. Without it, Deny (first in tree order) was clicked, and the
 * request was denied for good; a decision is only ever the press of the button that says it.
 */
const IMPLICIT_SUBMISSION_CATCHER = html`<button
  type="submit"
  name="decision"
  value="${NO_DECISION}"
  hidden
  tabindex="-1"
></button>`;

/**
 * The default {@link VerificationView}: semantic HTML with labelled fields, error text tied to its field
 * (`aria-describedby`, `aria-invalid`), focus on the field to fix, large touch targets, no script and no
 * external assets. Every value is HTML-escaped by the {@link html} template.
 */
export class DefaultVerificationView implements VerificationView {
  private readonly t: Required<VerificationTexts>;

  constructor(private readonly options: DefaultVerificationViewOptions = {}) {
    this.t = {
      ...DEFAULT_VERIFICATION_TEXTS,
      ...options.texts,
      scopeDescriptions: {
        ...DEFAULT_VERIFICATION_TEXTS.scopeDescriptions,
        ...options.texts?.scopeDescriptions,
      },
    };
  }

  render(page: VerificationPage, context: VerificationPageContext): string {
    const { title, body } = this.page(page);
    return html`<!doctype html>
      <html lang="${this.t.lang}">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="same-origin" />
          <title>${title} · ${this.t.productName}</title>
          <link rel="stylesheet" href="${context.stylesheetUrl}" />
        </head>
        <body>
          <main class="card">
            <p class="product">${this.t.productName}</p>
            ${body}
          </main>
        </body>
      </html> `.value;
  }

  stylesheet(): string {
    return STYLESHEET + (this.options.extraCss ?? '');
  }

  private page(p: VerificationPage): { title: string; body: SafeHtml } {
    const t = this.t;
    switch (p.kind) {
      case 'entry': {
        const error =
          p.error === 'invalid'
            ? t.invalidCode
            : p.error === 'empty'
              ? t.emptyCode
              : p.error === 'csrf'
                ? t.csrfFailed
                : '';
        return {
          title: error ? t.errorTitlePrefix + t.entryTitle : t.entryTitle,
          body: html`<h1>${t.entryTitle}</h1>
            ${this.who(p)}
            <p>${t.entryIntro}</p>
            <form method="post" action="${p.action}" novalidate>
              <input type="hidden" name="csrf_token" value="${p.csrfToken}" />
              <label for="user_code">${t.codeLabel}</label>
              <p id="user_code_hint" class="hint">${t.codeHint}</p>
              ${error ? html`<p id="user_code_error" class="error" role="alert">${error}</p>` : ''}
              <input
                id="user_code"
                name="user_code"
                class="code"
                type="text"
                value="${p.userCode}"
                autocomplete="off"
                autocapitalize="characters"
                autocorrect="off"
                spellcheck="false"
                inputmode="text"
                maxlength="32"
                required
                autofocus
                aria-describedby="${error ? 'user_code_error ' : ''}user_code_hint"
                ${error ? html` aria-invalid="true"` : ''}
              />
              <button type="submit" class="primary">${t.continueButton}</button>
            </form>`,
        };
      }
      case 'consent': {
        const checkboxes = p.scopes.map(
          (s) =>
            html`<li>
              <label class="check"
                ><input
                  type="checkbox"
                  name="${s.field}"
                  value="${s.scope}"
                  ${
                    s.checked ? html` checked` : ''
                  }${p.error ? html` aria-describedby="scope_error" aria-invalid="true"` : ''}
                />
                ${scopeLabel(s.scope, t.scopeDescriptions[s.scope])}</label
              >
            </li>`,
        );
        const title = t.consentTitle(p.clientName);
        const from = p.otherNetwork
          ? `${p.requestIp ?? t.unknown} ${t.otherNetworkNote}`
          : (p.requestIp ?? t.unknown);
        return {
          title: p.error ? t.errorTitlePrefix + title : title,
          body: html`<h1>${title}</h1>
            ${this.who(p)}
            <p>${t.consentIntro(p.clientName)}</p>
            <p>${t.compareCode}</p>
            <p class="usercode">${p.userCode}</p>
            <section class="warning" role="note" aria-labelledby="phishing_heading">
              <h2 id="phishing_heading">${t.phishingHeading}</h2>
              <p>${t.phishingWarning}</p>
              ${p.otherNetwork ? html`<p><strong>${t.otherNetwork}</strong></p>` : ''}
            </section>
            <form method="post" action="${p.action}">
              ${IMPLICIT_SUBMISSION_CATCHER}
              <input type="hidden" name="csrf_token" value="${p.csrfToken}" />
              <input type="hidden" name="user_code" value="${p.userCode}" />
              <fieldset>
                <legend>${t.scopesHeading}</legend>
                ${p.scopes.length > 0 ? html`<p class="hint">${t.scopesHint}</p>` : ''}
                ${p.error ? html`<p id="scope_error" class="error" role="alert" tabindex="-1" autofocus>${t.noScopeChosen}</p>` : ''}
                ${
                  p.scopes.length > 0
                    ? html`<ul class="scopes">
                        ${checkboxes}
                      </ul>`
                    : html`<p>${t.noScopes}</p>`
                }
                ${
                  p.staysSignedIn
                    ? html`<p class="hint">
                        ${t.staysSignedIn(t.formatDuration(p.staysSignedIn.idleLimitSeconds))}
                      </p>`
                    : ''
                }
              </fieldset>
              <h2 class="details-heading">${t.requestHeading}</h2>
              <dl class="details">
                <dt>${t.requestedAt}</dt>
                <dd>
                  ${p.shownAt === undefined ? '' : html`${t.formatAge(Math.max(0, p.shownAt - p.requestedAt))}, `}${t.formatDate(p.requestedAt)}
                </dd>
                <dt>${t.requestedFrom}</dt>
                <dd>${from}</dd>
              </dl>
              ${deviceClaim(p.requestUserAgent, t)}
              <div class="actions">
                <button type="submit" name="decision" value="deny" class="secondary">
                  ${t.denyButton}
                </button>
                <button type="submit" name="decision" value="approve" class="primary">
                  ${t.approveButton}
                </button>
              </div>
            </form>`,
        };
      }
      case 'status': {
        // Texts replaced as a whole `status` record written for fewer statuses keep the default of the others.
        const s = t.status[p.status] ?? DEFAULT_VERIFICATION_TEXTS.status[p.status];
        return { title: s.title, body: this.message(s.title, s.body, p.startOver, p.status) };
      }
      case 'locked': {
        const minutes = Math.max(1, Math.ceil(p.retryAfterSeconds / 60));
        return {
          title: t.lockedTitle,
          body: this.message(t.lockedTitle, t.locked(minutes), p.startOver),
        };
      }
      case 'refused':
        return {
          title: t.refusedTitle,
          body: this.message(t.refusedTitle, t.refused, p.startOver),
        };
      case 'error': {
        const [title, body] =
          p.reason === 'not_found'
            ? [t.notFoundTitle, t.notFound]
            : p.reason === 'method_not_allowed'
              ? [t.methodNotAllowedTitle, t.methodNotAllowed]
              : p.reason === 'bad_request'
                ? [t.badRequestTitle, t.badRequest]
                : [t.errorTitle, t.error];
        return { title, body: this.message(title, body, p.startOver) };
      }
    }
  }

  /**
   * "Signed in as …", with a sign-out form beside it when the page has one: on a shared or borrowed browser the
   * person approving may not be the one signed in, and must be able to switch before anything is granted.
   */
  private who(p: { user: { id: string; name?: string }; signOut?: SignOutForm }): SafeHtml {
    const signedIn = this.t.signedInAs(p.user.name ?? p.user.id);
    if (!p.signOut) return html`<p class="who">${signedIn}</p>`;
    const f = p.signOut;
    return html`<div class="who">
      <p>${signedIn}</p>
      <form method="post" action="${f.action}">
        <input type="hidden" name="${f.field}" value="${f.returnTo}" />
        <button type="submit" class="inline">${this.t.signOutButton}</button>
      </form>
    </div>`;
  }

  private message(title: string, body: string, startOver?: string, tone = 'error'): SafeHtml {
    return html`<h1 class="status status-${tone}">${title}</h1>
      <p>${body}</p>
      ${startOver ? html`<p><a class="link" href="${startOver}">${this.t.startOver}</a></p>` : ''}`;
  }
}

/**
 * A scope's line on the consent page: its plain-language description with the scope token beside it, or just
 * the token when there is no description (not the token twice).
 */
function scopeLabel(scope: string, description: string | undefined): SafeHtml {
  return description
    ? html`<span class="scope-text">${description}</span> <code>${scope}</code>`
    : html`<code class="scope-text">${scope}</code>`;
}

/** Longest device self-description shown, in characters (with the ellipsis). */
const DEVICE_CLAIM_MAX_LENGTH = 80;

/**
 * What the device says it is (its `User-Agent`), below the facts the server observed. The device chose this
 * text, so it is labelled as the device's unverified claim, set smaller and muted, quoted, stripped of control
 * and formatting characters and cut to {@link DEVICE_CLAIM_MAX_LENGTH} characters: a phishing device cannot
 * present a reassuring sentence as something the server vouches for. Nothing is shown when the device sent none.
 *
 * @see RFC 8628 §5.4
 */
function deviceClaim(userAgent: string | null, t: VerificationTexts): SafeHtml | '' {
  const claim = shorten(userAgent ?? '', DEVICE_CLAIM_MAX_LENGTH);
  if (!claim) return '';
  return html`<p class="claim">
    <span class="claim-label">${t.requestedBy}</span> <q>${claim}</q>
    <span class="claim-note">${t.notVerified}</span>
  </p>`;
}

/** Whitespace runs as one space, control and formatting characters (bidi overrides…) removed, cut with "…". */
function shorten(text: string, max: number): string {
  const chars = Array.from(visibleText(text));
  if (chars.length <= max) return chars.join('');
  const kept = chars.slice(0, max - 1).join('');
  return `${kept.trimEnd()}…`;
}

const STYLESHEET = `:root{color-scheme:light dark;--bg:#f3f5f8;--card:#fff;--text:#1c2430;--muted:#5a6675;
--accent:#1f5fd1;--accent-text:#fff;--border:#d5dbe3;--input-border:#768190;--warn-bg:#fff6e0;--warn-border:#e0a100;
--error:#b3261e;--ok:#1e7a3c}
@media (prefers-color-scheme:dark){:root{--bg:#11151b;--card:#1b212a;--text:#e8ecf1;--muted:#a3adba;
--accent:#6d9cff;--accent-text:#0b1020;--border:#333d4a;--input-border:#738092;--warn-bg:#3a2e0c;--warn-border:#c99a1a;
--error:#ff8a80;--ok:#7ed99b}}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
font-size:100%;line-height:1.5;background:var(--bg);color:var(--text)}
body{margin:0;padding:1rem;min-height:100vh;display:flex;align-items:flex-start;justify-content:center}
.card{width:100%;max-width:30rem;min-width:0;overflow-wrap:anywhere;margin-top:6vh;background:var(--card);border:1px solid var(--border);
border-radius:12px;padding:1.5rem 1.5rem 1.75rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.product{margin:0 0 .25rem;font-size:.8rem;font-weight:600;letter-spacing:.06em;text-transform:uppercase;
color:var(--muted)}
h1{font-size:1.5rem;line-height:1.25;margin:.25rem 0 .75rem}
h2{font-size:1rem;margin:0 0 .25rem}
p{margin:.5rem 0}
.who{color:var(--muted);font-size:.9rem;margin-top:-.25rem}
div.who{display:flex;flex-wrap:wrap;align-items:center;gap:0 .75rem}
div.who p,div.who form{margin:0}
button.inline{font-size:.9rem;font-weight:600;min-height:1.5rem;padding:0 .125rem;border:none;border-radius:4px;
background:transparent;color:var(--accent);text-decoration:underline}
label{display:block;font-weight:600;margin-top:1rem}
.hint{color:var(--muted);font-size:.9rem;margin:.125rem 0 .5rem}
.error{color:var(--error);font-weight:600}
input.code{display:block;width:100%;font:inherit;font-size:1.6rem;letter-spacing:.2em;text-align:center;
text-transform:uppercase;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
padding:.6rem;border:2px solid var(--input-border);border-radius:8px;background:var(--card);color:var(--text)}
input.code[aria-invalid=true],input.field[aria-invalid=true]{border-color:var(--error)}
input.field{display:block;width:100%;font:inherit;padding:.6rem;border:2px solid var(--input-border);
border-radius:8px;background:var(--card);color:var(--text)}
button,.link{font:inherit;font-weight:600;font-size:1rem;min-height:2.75rem;border-radius:8px;cursor:pointer}
button{padding:.6rem 1.25rem;border:2px solid var(--accent)}
.primary{background:var(--accent);color:var(--accent-text)}
.secondary{background:transparent;color:var(--accent)}
form>button.primary{width:100%;margin-top:1rem}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.usercode{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.75rem;
letter-spacing:.15em;text-align:center;font-weight:700;padding:.5rem;border:1px dashed var(--border);
border-radius:8px;margin:.5rem 0 1rem}
.warning{background:var(--warn-bg);border-left:4px solid var(--warn-border);border-radius:6px;
padding:.75rem 1rem;margin:1rem 0}
.warning p{margin:.25rem 0 0}
fieldset{border:none;padding:0;margin:1rem 0}
legend{font-weight:700;padding:0}
ul.scopes{list-style:none;margin:.25rem 0;padding:0}
ul.scopes li{border-top:1px solid var(--border)}
ul.scopes li:first-child{border-top:none}
label.check{display:flex;align-items:center;gap:.6rem;font-weight:400;margin:0;padding:.5rem 0;min-height:2.75rem}
label.check input{width:1.25rem;height:1.25rem;flex:none}
label.check .scope-text,label.check code{min-width:0;overflow-wrap:anywhere}
label.check span.scope-text{flex:1 1 auto}
label.check code{flex:none;max-width:50%;margin-left:auto;color:var(--muted);font-size:.8rem}
label.check code.scope-text{flex:1 1 auto;max-width:none;margin-left:0;color:var(--text);font-size:.9rem}
h2.details-heading{font-size:.9rem;margin:1.25rem 0 0}
dl.details{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem .75rem;font-size:.9rem;
color:var(--muted);margin:.5rem 0 .5rem}
dl.details dt{font-weight:600}
dl.details dd{margin:0}
.claim{font-size:.8rem;color:var(--muted);margin:0 0 1rem}
.claim-label{font-weight:600}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.25rem}
.actions button{flex:1;overflow-wrap:normal}
.link{display:inline-flex;align-items:center;color:var(--accent)}
.status-approved{color:var(--ok)}
`;
