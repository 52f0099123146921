/** Fields every audit event carries. */
interface EventBase {
  /** When it happened (ms since the epoch, from the module's `Clock`). */
  at: number;
  clientId: string;
}

/** Where a device's request came from, as recorded with its device code. */
interface Origin {
  ip: string | null;
  userAgent: string | null;
}

/** A device authorization request was accepted and codes issued. @see RFC 8628 §3.2 */
export interface DeviceCodeIssuedEvent extends EventBase, Origin {
  type: 'device_code.issued';
  /** Id of the device code; becomes the `grantId` of the tokens once redeemed. */
  deviceCodeId: string;
  scope: string;
}

/** The user approved a device code. @see RFC 8628 §3.3 */
export interface DeviceCodeApprovedEvent extends EventBase {
  type: 'device_code.approved';
  deviceCodeId: string;
  subject: string;
  scope: string;
}

/** The user denied a device code. @see RFC 8628 §3.3 */
export interface DeviceCodeDeniedEvent extends EventBase {
  type: 'device_code.denied';
  deviceCodeId: string;
  subject: string | null;
}

/**
 * A device code was found expired without having been redeemed (on a poll or a verification attempt after
 * its expiry). Raised when the expiry is observed, so a code nobody touches again raises nothing, and a
 * device that keeps polling past `expired_token` raises it again.
 */
export interface DeviceCodeExpiredEvent extends EventBase {
  type: 'device_code.expired_unused';
  deviceCodeId: string;
  /** Status when it expired: `pending` (never decided) or `approved` (never collected). */
  status: 'pending' | 'approved';
}

/** Tokens were issued, from a device code or a refresh token. @see RFC 6749 §5.1 */
export interface TokenIssuedEvent extends EventBase {
  type: 'token.issued';
  grantId: string;
  subject: string;
  scope: string;
  grantType: 'device_code' | 'refresh_token';
  /** Access token format (`opaque`, `jwt`, or a custom issuer's). */
  format: string;
  refreshTokenIssued: boolean;
}

/** A rotated refresh token was presented again: the whole grant was revoked. @see RFC 9700 §4.14.2 */
export interface RefreshTokenReusedEvent extends EventBase {
  type: 'refresh_token.reused';
  grantId: string;
  subject: string;
}

/**
 * A redeemed device code was presented again: every token issued for it was revoked.
 * @see RFC 6749 §4.1.2, §10.5
 */
export interface DeviceCodeReusedEvent extends EventBase {
  type: 'device_code.reused';
  /** The device code's id, which is its grant's. */
  grantId: string;
  subject: string;
}

/** Tokens were revoked: one token (revocation endpoint) or a whole grant (device removal, reuse, admin). */
export interface TokenRevokedEvent extends EventBase {
  type: 'token.revoked';
  grantId: string;
  subject: string;
  /** `token`: one token via RFC 7009; `grant`: every token of the grant. */
  what: 'token' | 'grant';
  reason:
    | 'revocation_endpoint'
    | 'device_removed'
    | 'refresh_reuse'
    | 'device_code_reuse'
    | 'kill_switch';
}

/** The admin kill switch was turned on or off, for one client or (clientId `*`) all. */
export interface KillSwitchChangedEvent extends EventBase {
  type: 'kill_switch.changed';
  disabled: boolean;
  /** Live grants revoked along with it. */
  revokedGrants: number;
}

/**
 * Too many wrong user codes from one source: the verification page stopped accepting guesses.
 * Defined here; raised by the verification page (RFC 8628 §5.1), which knows the source and the limit.
 * `clientId` is `''` when no code was matched.
 */
export interface GuessingLimitHitEvent extends EventBase {
  type: 'user_code.guessing_limit_hit';
  /** What was limited: `ip:ADDRESS`, `session`, `user` or `global`. */
  source: string;
  attempts: number;
  /** The signed-in user whose own budget was spent (`source: 'user'` only). */
  subject?: string;
}

/** Every audit event of the module, discriminated by `type`. */
export type DeviceFlowEvent =
  | DeviceCodeIssuedEvent
  | DeviceCodeApprovedEvent
  | DeviceCodeDeniedEvent
  | DeviceCodeExpiredEvent
  | TokenIssuedEvent
  | RefreshTokenReusedEvent
  | DeviceCodeReusedEvent
  | TokenRevokedEvent
  | KillSwitchChangedEvent
  | GuessingLimitHitEvent;

/** The `type` values of {@link DeviceFlowEvent}. */
export type DeviceFlowEventType = DeviceFlowEvent['type'];
