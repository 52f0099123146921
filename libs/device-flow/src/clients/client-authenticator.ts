import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { hashClientSecret, verifyClientSecret } from '../codes/secret-hash.js';
import {
  InvalidClientError,
  InvalidRequestError,
  TooManyRequestsError,
} from '../errors/oauth.errors.js';
import type { FormParams } from '../http/form-body.parser.js';
import { type HttpRequest, repeatedHeader } from '../http/http-exchange.js';
import { clientIp, rateLimitAddress } from '../http/request-origin.js';
import {
  type AttemptBucket,
  AttemptLimiter,
  releaseAttempts,
  reserveAttempts,
} from '../verification/attempt-limiter.js';
import { parseBasicCredentials } from './basic-credentials.js';
import { Clock } from '../clock/clock.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import { CachingClientRepository } from './caching-client.repository.js';
import { isClientId } from './client-id.js';
import type { ClientRecord, ClientRepository } from './client.repository.js';
import { VerifiedSecretCache } from './verified-secret-cache.js';

/** The form parameters {@link ClientAuthenticator} reads (`client_secret_post`, public clients). */
export const CLIENT_AUTHENTICATION_PARAMETERS = ['client_id', 'client_secret'] as const;

/** The client credentials a request presented. */
interface PresentedCredentials {
  clientId: string;
  secret?: string;
}

/**
 * Authenticates the client of a token-endpoint-style request.
 *
 * - `client_secret_basic`: `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
 * - `client_secret_post`: `client_id` and `client_secret` in the form body.
 * - `none` (public clients): `client_id` only — in the body, or as Basic credentials with an empty secret.
 *
 * Exactly one method per request (RFC 6749 §2.3: "MUST NOT use more than one authentication method").
 * The presented `client_id` must be one (RFC 6749 Appendix A.1, {@link isClientId}) and must equal the found
 * client's id exactly. Failures are `invalid_client` (401, with `WWW-Authenticate: Basic`).
 */
@Injectable()
export class ClientAuthenticator {
  /** Secrets verified lately: scrypt once per client and secret per `clientCacheTtl`, not on every request. */
  private readonly verified: VerifiedSecretCache;

  /** Reads clients through the cache: one lookup per client per TTL, not one per request. */
  constructor(
    @Inject(CachingClientRepository) private readonly clients: ClientRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(DEVICE_FLOW_OPTIONS)
    private readonly options: Pick<
      ResolvedDeviceFlowOptions,
      'clientCacheTtlMs' | 'clientAuthenticationLimit'
    >,
    @Inject(AttemptLimiter) private readonly limiter: AttemptLimiter,
  ) {
    this.verified = new VerifiedSecretCache(options.clientCacheTtlMs);
  }

  /** Verifications running now on this server, by failure budget (see {@link secretMatches}). */
  private readonly inFlight = new Map<string, number>();

  /** A scrypt hash of nothing anyone knows, verified against when the client is unknown (see below). */
  private dummyHash?: Promise<string>;

  async authenticate(req: HttpRequest, form: FormParams): Promise<ClientRecord> {
    const creds = this.presented(req, form);
    const fail = (why: string) => new InvalidClientError(why);
    // An id no client can have (a NUL byte, other control characters, non-ASCII) never reaches the store.
    if (!isClientId(creds.clientId)) throw fail('client authentication failed');
    const found = await this.clients.findById(creds.clientId);
    // Only the exact id is this client: a store comparing strings by a case-insensitive or trailing-space-blind
    // collation (MySQL's and MariaDB's defaults) must not let `TV` or `tv ` in as `tv`.
    const client = found?.clientId === creds.clientId ? found : null;
    if (!client) {
      // Spend the same scrypt time as for a real confidential client, so that response times do not tell
      // which client ids exist (RFC 6749 §10.3, §10.10).
      if (creds.secret !== undefined) {
        this.dummyHash ??= hashClientSecret(randomBytes(16).toString('hex'));
        await this.secretMatches(req, creds.secret, await this.dummyHash);
      }
      throw fail('client authentication failed');
    }
    if (client.secretHash === null) {
      if (creds.secret !== undefined) throw fail('client authentication failed');
    } else {
      // The same words as for an unknown id: "required" would tell a caller with no secret that this id is a
      // registered confidential client (RFC 6749 §10.3).
      if (creds.secret === undefined) throw fail('client authentication failed');
      if (!(await this.secretMatches(req, creds.secret, client.secretHash))) {
        throw fail('client authentication failed');
      }
    }
    if (client.disabled) throw fail('client is disabled');
    return client;
  }

  /**
   * Verifies a presented secret against the stored scrypt hash, or finds it verified within the TTL. Failed
   * verifications are counted per client IP, whatever the client id (known or not: a budget per id would tell,
   * once spent, which ids exist): past the budget, 429 before any scrypt runs, so guessing a secret, or keeping
   * the thread pool busy with scrypt, is bounded per address (RFC 6749 §10.10).
   *
   * Only failures count: a right secret never uses the budget up. With a limiter that can take and release, each
   * verification reserves one attempt before its scrypt and gives it back if the secret matched, so requests in
   * flight at once can never run more verifications than the budget allows; requests from one address presenting
   * the same secret at once share one verification (and one reservation) — never a request from another address,
   * whose budget is its own. A reservation refused while this server's own verifications from that address hold
   * reservations may be only their moment of scrypt: the answer's `Retry-After` is then 1 s, not the window's end.
   * A limiter without take and release is checked ahead and counted after a failure, which requests in flight at
   * once can overshoot.
   */
  private async secretMatches(
    req: HttpRequest,
    secret: string,
    secretHash: string,
  ): Promise<boolean> {
    const now = this.clock.now();
    if (this.verified.has(secretHash, secret, now)) return true;
    const bucket = this.failureBucket(req);
    const reserves = this.limiter.take !== undefined && this.limiter.release !== undefined;
    if (!reserves) {
      const wait = await this.limiter.retryAfterMs([bucket], now);
      if (wait > 0) throw tooManyFailures(wait);
    }
    const check = async () => {
      const reservation = await reserveAttempts(this.limiter, [bucket], now);
      if (reservation && 'retryAfterMs' in reservation) {
        const ownInFlight = (this.inFlight.get(bucket.key) ?? 0) > 0;
        throw tooManyFailures(
          ownInFlight ? Math.min(reservation.retryAfterMs, 1000) : reservation.retryAfterMs,
        );
      }
      this.inFlight.set(bucket.key, (this.inFlight.get(bucket.key) ?? 0) + 1);
      let matches: boolean;
      try {
        matches = await verifyClientSecret(secret, secretHash);
      } catch (e) {
        if (reservation) await releaseAttempts(this.limiter, reservation.reserved, now);
        throw e;
      } finally {
        const left = (this.inFlight.get(bucket.key) ?? 1) - 1;
        if (left > 0) this.inFlight.set(bucket.key, left);
        else this.inFlight.delete(bucket.key);
      }
      if (reservation) {
        if (matches) await releaseAttempts(this.limiter, reservation.reserved, now);
      } else if (!matches) await this.limiter.record([bucket], now);
      return matches;
    };
    return this.verified.verify(secretHash, secret, now, check, bucket.key);
  }

  /** The budget a failed verification is counted in: per client IP (an IPv6 client by its /64). */
  private failureBucket(req: HttpRequest): AttemptBucket {
    const { limit, windowSeconds } = this.options.clientAuthenticationLimit;
    return {
      key: `client-auth:${rateLimitAddress(clientIp(req))}`,
      limit,
      windowMs: windowSeconds * 1000,
    };
  }

  private presented(req: HttpRequest, form: FormParams): PresentedCredentials {
    const header = req.headers.authorization;
    const bodyId = form.get('client_id');
    const bodySecret = form.get('client_secret');
    if (header !== undefined) {
      // Node keeps the first of repeated Authorization headers and drops the rest: refuse the ambiguity instead.
      if (repeatedHeader(req, 'authorization')) {
        throw new InvalidRequestError('repeated Authorization header');
      }
      const basic = parseBasicCredentials(header);
      if (bodySecret !== undefined) {
        throw new InvalidRequestError('use one client authentication method, not several');
      }
      if (bodyId !== undefined && bodyId !== basic.clientId) {
        throw new InvalidRequestError('client_id does not match the Authorization header');
      }
      return basic;
    }
    if (bodyId === undefined)
      throw new InvalidRequestError('missing required parameter: client_id');
    return { clientId: bodyId, secret: bodySecret };
  }
}

/** 429 past the failure budget, with the seconds until it has room again. */
function tooManyFailures(retryAfterMs: number): TooManyRequestsError {
  return new TooManyRequestsError(
    Math.ceil(retryAfterMs / 1000),
    'too many failed client authentications from this address; retry later',
  );
}
