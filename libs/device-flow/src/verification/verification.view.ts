/** A scope on the consent page. */
export interface ConsentScope {
  /** The scope token, e.g. `read`. */
  scope: string;
  /** Form field carrying it when the user keeps it checked. */
  field: string;
  checked: boolean;
}

/**
 * Where a status page sends the user: the status pages are fixed, never taken from a request. `blocked`: the
 * administrator disabled the device grant for the code's client (the kill switch).
 */
export type VerificationStatus = 'approved' | 'denied' | 'expired' | 'used' | 'invalid' | 'blocked';

/** Every {@link VerificationStatus}: each has its page at `<verification path>/<status>`. */
export const VERIFICATION_STATUSES: readonly VerificationStatus[] = [
  'approved',
  'denied',
  'expired',
  'used',
  'invalid',
  'blocked',
];

/**
 * The sign-out form beside "Signed in as …" (`verification.logoutUrl`): a POST to `action` with a hidden field
 * `field` = `returnTo`, the path back to this page (and code) once another account has signed in.
 */
export interface SignOutForm {
  action: string;
  field: string;
  returnTo: string;
}

/**
 * The `decision` of the consent form's hidden first submit button, its "default button". Browsers submit a form
 * with its first enabled submit button when Enter is pressed on a checkbox (Chromium does, and skips disabled
 * ones); with Deny or Approve first, Enter on a permission checkbox would decide the request. This value decides
 * nothing: the decision endpoint answers `204 No Content`, which leaves the browser on the page as it was.
 *
 * @see WHATWG HTML §4.10.21.2 (implicit submission)
 */
export const NO_DECISION = 'none';

/** Every page the verification flow shows. `action`s are the form targets; `csrfToken` goes in a hidden field. */
export type VerificationPage =
  | {
      kind: 'entry';
      action: string;
      csrfToken: string;
      /**
       * The code to pre-fill (already normalised and formatted), what the user typed when it was not valid, or ''.
       */
      userCode: string;
      /** `invalid`: not a live code; `empty`: nothing was entered; `csrf`: the form expired. */
      error?: 'invalid' | 'empty' | 'csrf';
      user: { id: string; name?: string };
      /** Present when `verification.logoutUrl` is set. */
      signOut?: SignOutForm;
    }
  | {
      kind: 'consent';
      /**
       * POST target of the decision form: `csrf_token`, `user_code`, each ticked scope's `field`, and `decision`
       * — `approve`, `deny`, or {@link NO_DECISION} from a hidden first submit button (see there).
       */
      action: string;
      csrfToken: string;
      /** The code in display form, to compare with the device's screen. */
      userCode: string;
      clientName: string;
      scopes: ConsentScope[];
      /** When the device asked (ms since epoch) and from where. @see RFC 8628 §5.4 */
      requestedAt: number;
      /** When the page is shown (ms since epoch, the module's clock): the page says how long ago the device asked. */
      shownAt?: number;
      requestIp: string | null;
      requestUserAgent: string | null;
      /**
       * True when the browser showing the page is on another network than the device's request came from (not
       * the same IPv4 address, nor the same IPv6 /64; absent when that cannot be told): the mark of a code
       * someone else started and sent to the user. Never a reassurance when absent — behind a proxy that is not
       * trusted every request has the proxy's address. @see RFC 8628 §5.4
       */
      otherNetwork?: boolean;
      /**
       * Present when the device will also get a refresh token whatever the user ticks (the client may refresh
       * and did not ask for the offline-access scope, which would be a choice on this page): the page says the
       * device stays signed in, and for how long without use (`refreshTokenTtl`, renewed at each refresh).
       */
      staysSignedIn?: { idleLimitSeconds: number };
      error?: 'no_scope';
      user: { id: string; name?: string };
      /** Present when `verification.logoutUrl` is set. */
      signOut?: SignOutForm;
    }
  | { kind: 'status'; status: VerificationStatus; startOver: string }
  | {
      kind: 'locked';
      retryAfterSeconds: number;
      /** The entry form's path, for a link back to it (a reload would send the refused form again). */
      startOver?: string;
    }
  | { kind: 'refused'; startOver: string }
  | {
      kind: 'error';
      startOver: string;
      /**
       * Why, when the request was at fault: `not_found`, no page at this address (404);
       * `method_not_allowed`, a page that exists but not for this method (405, e.g. a form re-sent to a
       * page that only shows); `bad_request`, a request the page could not read (a malformed URL, an oversized
       * or unreadable body). Absent when the server failed (500, or 503 while storage is away): trying again
       * later may work.
       */
      reason?: 'not_found' | 'method_not_allowed' | 'bad_request';
    };

/** What every page needs besides its own content. */
export interface VerificationPageContext {
  /** URL path of {@link VerificationView.stylesheet}. */
  stylesheetUrl: string;
}

/**
 * Renders the verification pages. The default ({@link DefaultVerificationView}) is accessible, mobile-friendly,
 * free of external assets and scripts, and takes replacement texts for localisation; provide this token to
 * brand or restyle the pages. Every value placed in the HTML must be escaped.
 *
 * The pages are served with a Content-Security-Policy that allows no script and only the stylesheet from
 * {@link stylesheet} (`style-src 'self'`).
 *
 * @see RFC 8628 §3.3
 */
export interface VerificationView {
  /** The full HTML document of a page. */
  render(page: VerificationPage, context: VerificationPageContext): string;
  /** The CSS served at `<verification path>/style.css`. */
  stylesheet(): string;
}

/** Injection token for {@link VerificationView}. */
export const VerificationView = Symbol('VerificationView');
