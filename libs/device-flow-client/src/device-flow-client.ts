import { type ClientClock, systemClock } from './clock.js';
import { endpointsFromMetadata, metadataUrl } from './discovery.js';
import { DeviceFlowError, isAbort } from './errors.js';
import {
  type ClientCredentials,
  type FetchLike,
  getJson,
  type HttpOutcome,
  mayHaveBeenReceived,
  postForm,
  type RequestOptions,
} from './http.js';
import {
  approved,
  describeOAuth,
  describeOutcome,
  failure,
  parseAuthorization,
} from './responses.js';
import type { DeviceFlowResult, PollEvent } from './result.js';
import type { DeviceAuthorization, DeviceFlowEndpoints } from './types.js';

/** The grant type of the device access token request. @see RFC 8628 §3.4 */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
/** Added to the polling interval on every `slow_down`. @see RFC 8628 §3.5 */
export const SLOW_DOWN_INCREMENT_MS = 5000;
/** Polling interval when the server sends none. @see RFC 8628 §3.2 */
export const DEFAULT_INTERVAL_SECONDS = 5;

/** How transient failures (5xx, 429, network errors, request timeouts) are retried. */
export interface RetryOptions {
  /** Consecutive failures tolerated before giving up (default 6). The device code is kept throughout. */
  maxRetries?: number;
  /** First back-off delay of a request that has no polling interval (default 1000 ms); doubles each time. */
  baseDelayMs?: number;
  /** Longest back-off delay (default 60 000 ms). A longer `Retry-After` is honoured up to 5 minutes. */
  maxDelayMs?: number;
}

/** Options of {@link DeviceFlowClient}. Give `issuer` (RFC 8414 discovery), `endpoints`, or both. */
export interface DeviceFlowClientOptions extends ClientCredentials {
  /** Issuer URL; the endpoints are discovered from its RFC 8414 metadata. */
  issuer?: string;
  /** Explicit endpoints. They take precedence over discovered ones; with both given, no discovery is made. */
  endpoints?: Partial<DeviceFlowEndpoints>;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Defaults to real time. Tests pass a `VirtualClock`. */
  clock?: ClientClock;
  /** Real-time limit on each HTTP request (default 30 000 ms). */
  requestTimeoutMs?: number;
  retry?: RetryOptions;
  /** `User-Agent` header; the server shows it to the user on the consent page (RFC 8628 §5.4). */
  userAgent?: string;
}

/** Options of {@link DeviceFlowClient.requestAuthorization}. */
export interface AuthorizationRequestOptions {
  /** Space-separated scopes (RFC 6749 §3.3). */
  scope?: string;
  signal?: AbortSignal;
}

/** Options of {@link DeviceFlowClient.pollForToken}. */
export interface PollOptions {
  signal?: AbortSignal;
  /** Give up after this many ms (result `timeout`). Polling always stops when the code expires. */
  timeoutMs?: number;
  /** When the authorization response was received (default: now); `expires_in` counts from here. */
  receivedAt?: number;
  /** Called (and awaited) after every poll that did not end the flow, and before every retry. */
  onPoll?: (event: PollEvent) => void | Promise<void>;
}

/**
 * The device side of the OAuth 2.0 Device Authorization Grant, on plain `fetch` (no framework).
 *
 * ```ts
 * const client = new DeviceFlowClient({ issuer: 'https://auth.example.com', clientId: 'tv-app' });
 * const auth = await client.requestAuthorization({ scope: 'read' });
 * show(auth.verification_uri, auth.user_code);
 * const result = await client.pollForToken(auth, { signal });
 * if (result.status === 'approved') use(result.token.access_token);
 * ```
 *
 * @see RFC 8628 §3.1-3.5, RFC 8414 §3
 */
export class DeviceFlowClient {
  private readonly fetch: FetchLike;
  private readonly clock: ClientClock;
  private readonly credentials: ClientCredentials;
  private readonly requestTimeoutMs: number;
  private readonly retry: Required<RetryOptions>;
  private resolved?: Promise<DeviceFlowEndpoints>;

  constructor(private readonly options: DeviceFlowClientOptions) {
    if (!options.clientId) throw new TypeError('DeviceFlowClient: clientId is required');
    const e = options.endpoints ?? {};
    if (!options.issuer && !(e.deviceAuthorizationEndpoint && e.tokenEndpoint)) {
      throw new TypeError('DeviceFlowClient: give an issuer, or both endpoints');
    }
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.clock = options.clock ?? systemClock;
    this.credentials = {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authMethod: options.authMethod,
    };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.retry = {
      maxRetries: options.retry?.maxRetries ?? 6,
      baseDelayMs: options.retry?.baseDelayMs ?? 1000,
      maxDelayMs: options.retry?.maxDelayMs ?? 60_000,
    };
  }

  /**
   * The endpoints: explicit ones, completed from RFC 8414 metadata when needed. Fetched once; a failed
   * discovery is forgotten so the next call tries again.
   */
  endpoints(signal?: AbortSignal): Promise<DeviceFlowEndpoints> {
    const explicit = this.options.endpoints ?? {};
    if (explicit.deviceAuthorizationEndpoint && explicit.tokenEndpoint) {
      return Promise.resolve(explicit as DeviceFlowEndpoints);
    }
    this.resolved ??= this.discover(signal).catch((e: unknown) => {
      this.resolved = undefined;
      throw e;
    });
    return this.resolved;
  }

  private async discover(signal?: AbortSignal): Promise<DeviceFlowEndpoints> {
    const issuer = this.options.issuer!;
    const url = metadataUrl(issuer);
    const outcome = await this.withRetries(() => getJson(url, this.requestOptions(signal)), signal);
    if (outcome.type !== 'ok') {
      throw new DeviceFlowError(
        'discovery',
        `could not read authorization server metadata from ${url} (${describeOutcome(outcome)}); ` +
          'check the issuer URL, or give the endpoints explicitly',
        { status: 'status' in outcome ? outcome.status : undefined },
      );
    }
    return {
      ...endpointsFromMetadata(issuer, outcome.body),
      ...definedOnly(this.options.endpoints),
    };
  }

  /**
   * Asks for a device code and user code. Transient failures are retried with back-off (a code issued for a
   * lost response simply expires unused). Throws {@link DeviceFlowError}, or the signal's reason on abort.
   *
   * @see RFC 8628 §3.1, §3.2
   */
  async requestAuthorization(
    options: AuthorizationRequestOptions = {},
  ): Promise<DeviceAuthorization> {
    const { deviceAuthorizationEndpoint } = await this.endpoints(options.signal);
    const outcome = await this.withRetries(
      () =>
        postForm(
          deviceAuthorizationEndpoint,
          { scope: options.scope },
          this.credentials,
          this.requestOptions(options.signal),
        ),
      options.signal,
    );
    if (outcome.type !== 'ok') throw failure(outcome, 'device authorization request');
    return parseAuthorization(outcome.body);
  }

  /**
   * Polls the token endpoint until the user decides, the code expires, the timeout passes or `signal` aborts.
   * Waits `interval` seconds before each poll, adds 5 s for every `slow_down`, and on a transient failure
   * doubles the wait per consecutive failure (RFC 8628 §3.5) while keeping the same device code.
   * Never throws for protocol or network problems: the result says what happened.
   *
   * @see RFC 8628 §3.4, §3.5
   */
  async pollForToken(
    authorization: DeviceAuthorization,
    options: PollOptions = {},
  ): Promise<DeviceFlowResult> {
    const { signal, onPoll } = options;
    const start = this.clock.now();
    const expiresAt = (options.receivedAt ?? start) + authorization.expires_in * 1000;
    const timeoutAt = options.timeoutMs === undefined ? Infinity : start + options.timeoutMs;
    let interval = (authorization.interval ?? DEFAULT_INTERVAL_SECONDS) * 1000;
    let delay = interval;
    let failures = 0;
    /** Why the previous poll got no HTTP answer at all (a dropped connection, a timeout); null if it got one. */
    let unanswered: string | null = null;
    try {
      const { tokenEndpoint } = await this.endpoints(signal);
      for (;;) {
        const deadline = Math.min(expiresAt, timeoutAt);
        const now = this.clock.now();
        if (now + delay >= deadline) {
          await this.clock.sleep(Math.max(0, deadline - now), signal);
          return expiresAt <= timeoutAt ? { status: 'expired' } : { status: 'timeout' };
        }
        await this.clock.sleep(delay, signal);
        const outcome = await postForm(
          tokenEndpoint,
          { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: authorization.device_code },
          this.credentials,
          this.requestOptions(signal),
        );
        if (outcome.type === 'retryable') {
          unanswered = mayHaveBeenReceived(outcome) ? outcome.reason : null;
          failures++;
          if (failures > this.retry.maxRetries)
            return { status: 'error', error: failure(outcome, 'token request') };
          delay = Math.max(
            outcome.retryAfterMs ?? 0,
            Math.min(this.retry.maxDelayMs, interval * 2 ** failures),
          );
          await onPoll?.({
            type: 'retry',
            reason: outcome.reason,
            attempt: failures,
            delayMs: delay,
          });
          continue;
        }
        failures = 0;
        const lostBefore = unanswered;
        unanswered = null;
        if (outcome.type === 'ok') return approved(outcome.body);
        if (outcome.type === 'http_error')
          return { status: 'error', error: failure(outcome, 'token request') };
        const { error } = outcome;
        switch (error.error) {
          case 'authorization_pending':
            delay = interval;
            await onPoll?.({ type: 'pending', intervalMs: interval });
            continue;
          case 'slow_down':
            interval += SLOW_DOWN_INCREMENT_MS;
            delay = interval;
            await onPoll?.({ type: 'slow_down', intervalMs: interval });
            continue;
          case 'access_denied':
            return { status: 'denied', error };
          case 'expired_token':
            return { status: 'expired', error };
          case 'invalid_grant':
            if (lostBefore !== null)
              return { status: 'error', error: lostAnswer(outcome, lostBefore) };
            return { status: 'error', error: failure(outcome, 'token request') };
          default:
            return { status: 'error', error: failure(outcome, 'token request') };
        }
      }
    } catch (e) {
      if (signal?.aborted && isAbort(e, signal))
        return { status: 'aborted', reason: signal.reason };
      if (e instanceof DeviceFlowError) return { status: 'error', error: e };
      throw e;
    }
  }

  /**
   * Both steps: requests codes, hands them to `onAuthorization` (show them to the user), then polls.
   * Never throws for protocol, network or abort outcomes.
   */
  async authorize(
    options: AuthorizationRequestOptions &
      Omit<PollOptions, 'receivedAt'> & {
        onAuthorization: (authorization: DeviceAuthorization) => void | Promise<void>;
      },
  ): Promise<DeviceFlowResult> {
    let authorization: DeviceAuthorization;
    try {
      authorization = await this.requestAuthorization(options);
    } catch (e) {
      if (options.signal?.aborted && isAbort(e, options.signal)) {
        return { status: 'aborted', reason: options.signal.reason };
      }
      if (e instanceof DeviceFlowError) return { status: 'error', error: e };
      throw e;
    }
    const receivedAt = this.clock.now();
    await options.onAuthorization(authorization);
    return this.pollForToken(authorization, { ...options, receivedAt });
  }

  /** Runs a request, retrying transient failures with exponential back-off. */
  private async withRetries(
    request: () => Promise<HttpOutcome>,
    signal: AbortSignal | undefined,
  ): Promise<HttpOutcome> {
    for (let failures = 0; ;) {
      const outcome = await request();
      if (outcome.type !== 'retryable' || ++failures > this.retry.maxRetries) return outcome;
      const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (failures - 1));
      await this.clock.sleep(Math.max(backoff, outcome.retryAfterMs ?? 0), signal);
    }
  }

  private requestOptions(signal: AbortSignal | undefined): RequestOptions {
    return {
      fetch: this.fetch,
      signal,
      requestTimeoutMs: this.requestTimeoutMs,
      userAgent: this.options.userAgent,
    };
  }
}

function definedOnly(e: Partial<DeviceFlowEndpoints> | undefined): Partial<DeviceFlowEndpoints> {
  return Object.fromEntries(
    Object.entries(e ?? {}).filter(([, v]) => v),
  ) as Partial<DeviceFlowEndpoints>;
}

/**
 * `invalid_grant` right after a poll that got no answer: the server most likely approved that poll and issued
 * the tokens, whose answer was lost on the way, and now refuses the spent device code (a server may also revoke
 * what it issued for it, RFC 6749 §4.1.2). Said plainly, since "invalid_grant" alone reads like a bug; nothing
 * but a new sign-in can recover, as a device code is redeemed once.
 */
function lostAnswer(
  outcome: HttpOutcome & { type: 'oauth_error' },
  unanswered: string,
): DeviceFlowError {
  return new DeviceFlowError(
    'oauth',
    `token request: the answer to a poll was lost (${unanswered}) and the server now refuses the device code ` +
      `(${describeOAuth(outcome.error)}): it most likely issued the tokens in that lost answer; ` +
      'start the sign-in again',
    { status: outcome.status, oauth: outcome.error },
  );
}
