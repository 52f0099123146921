import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpRequest } from '../http/http-exchange.js';
import { ManualClock } from '../clock/clock.js';
import * as secrets from '../codes/secret-hash.js';
import { InvalidClientError, TooManyRequestsError } from '../errors/oauth.errors.js';
import { FormParams } from '../http/form-body.parser.js';
import { InMemoryAttemptLimiter } from '../persistence/memory/in-memory-attempt.limiter.js';
import type { AttemptLimiter } from '../verification/attempt-limiter.js';
import { InMemoryClientRepository } from '../persistence/memory/in-memory-client.repository.js';
import { ClientAuthenticator } from './client-authenticator.js';
import { type ClientRecord, DEVICE_CODE_GRANT_TYPE } from './client.repository.js';

vi.mock('../codes/secret-hash.js', { spy: true });

const req = (authorization?: string) => ({ headers: { authorization } }) as unknown as HttpRequest;
const params = (values: Record<string, string>) => new FormParams(new Map(Object.entries(values)));
/** `Authorization: Basic` of a form-encoded id and secret (RFC 6749 §2.3.1). */
const basic = (id: string, secret: string) =>
  'Basic ' +
  Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
/** One request from `ip` with `id` and `secret` over Basic: the client, or what it was refused with. */
const attempt = (authenticator: ClientAuthenticator, ip: string, id: string, secret: string) =>
  authenticator
    .authenticate(
      { ip, headers: { authorization: basic(id, secret) } } as unknown as HttpRequest,
      params({}),
    )
    .catch((e: unknown) => e);

/** The module's defaults: a client cache TTL of 30 s, 20 failed secret verifications per IP in 15 minutes. */
const OPTIONS = {
  clientCacheTtlMs: 30_000,
  clientAuthenticationLimit: { limit: 20, windowSeconds: 900 },
};

describe('ClientAuthenticator', () => {
  let authenticator: ClientAuthenticator;
  let clients: InMemoryClientRepository;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    clients = new InMemoryClientRepository();
    await clients.save({
      clientId: 'secret-tv',
      secretHash: await secrets.hashClientSecret('right-secret'),
      grantTypes: [DEVICE_CODE_GRANT_TYPE],
      scopes: [],
      displayName: 'TV',
      disabled: false,
    });
    authenticator = new ClientAuthenticator(clients, clock, OPTIONS, new InMemoryAttemptLimiter());
    vi.mocked(secrets.verifyClientSecret).mockClear();
  });

  /** An authenticator with a failure budget of `limit` per `windowSeconds` (in memory unless `limiter`). */
  const limitedTo = (
    limit: number,
    windowSeconds = 60,
    limiter: AttemptLimiter = new InMemoryAttemptLimiter(),
    options: Partial<typeof OPTIONS> = {},
  ) =>
    new ClientAuthenticator(
      clients,
      clock,
      { ...OPTIONS, ...options, clientAuthenticationLimit: { limit, windowSeconds } },
      limiter,
    );

  it('runs scrypt for an unknown client that presents a secret, as for a known one (RFC 6749 §10.10)', async () => {
    const unknown = authenticator.authenticate(
      req(),
      params({ client_id: 'nobody', client_secret: 'x' }),
    );
    await expect(unknown).rejects.toBeInstanceOf(InvalidClientError);
    expect(secrets.verifyClientSecret).toHaveBeenCalledTimes(1);

    const wrong = authenticator.authenticate(
      req(),
      params({ client_id: 'secret-tv', client_secret: 'x' }),
    );
    await expect(wrong).rejects.toBeInstanceOf(InvalidClientError);
    expect(secrets.verifyClientSecret).toHaveBeenCalledTimes(2);
  });

  it('says the same to an unknown id and to a confidential client without its secret (no id enumeration)', async () => {
    const describeFailure = (values: Record<string, string>) =>
      authenticator.authenticate(req(), params(values)).then(
        () => 'authenticated',
        (e: InvalidClientError) => e.description,
      );
    const unknown = await describeFailure({ client_id: 'nobody' });
    expect(unknown).toBe('client authentication failed');
    expect(await describeFailure({ client_id: 'secret-tv' })).toBe(unknown);
    expect(await describeFailure({ client_id: 'secret-tv', client_secret: 'x' })).toBe(unknown);
  });

  it('refuses a client_id no client can have (RFC 6749 Appendix A.1) before any lookup', async () => {
    const findById = vi.fn(async (): Promise<ClientRecord | null> => null);
    const strict = new ClientAuthenticator(
      { findById, save: async () => {} },
      new ManualClock(),
      OPTIONS,
      new InMemoryAttemptLimiter(),
    );
    const ids = ['demo\u0000device', 'tv\u0001', 'tv\n', 'tv\u007f', 'télé', 'x'.repeat(256)];
    for (const id of ids) {
      await expect(strict.authenticate(req(), params({ client_id: id }))).rejects.toBeInstanceOf(
        InvalidClientError,
      );
      await expect(
        strict.authenticate(req(), params({ client_id: id, client_secret: 'right-secret' })),
      ).rejects.toBeInstanceOf(InvalidClientError);
    }
    await expect(
      strict.authenticate(req(basic('demo\u0000x', 'secret')), params({})),
    ).rejects.toBeInstanceOf(InvalidClientError);
    expect(findById).not.toHaveBeenCalled();
    // Every visible ASCII character and the space may be in one, up to 255 of them: those are looked up.
    await expect(
      strict.authenticate(req(), params({ client_id: ' !~'.padEnd(255, 'x') })),
    ).rejects.toBeInstanceOf(InvalidClientError);
    expect(findById).toHaveBeenCalledTimes(1);
  });

  it('takes only the exact client id, whatever the store matched (a case- or space-blind collation)', async () => {
    const tv = {
      clientId: 'secret-tv',
      secretHash: await secrets.hashClientSecret('right-secret'),
      grantTypes: [DEVICE_CODE_GRANT_TYPE],
      scopes: [],
      displayName: 'TV',
      disabled: false,
    };
    // What MySQL's and MariaDB's default collations do: compare ignoring case and trailing spaces.
    const blind = new ClientAuthenticator(
      {
        findById: async (id) => (id.toLowerCase().trimEnd() === tv.clientId ? tv : null),
        save: async () => {},
      },
      new ManualClock(),
      OPTIONS,
      new InMemoryAttemptLimiter(),
    );
    for (const id of ['SECRET-TV', 'Secret-Tv', 'secret-tv ', 'SECRET-TV  ']) {
      await expect(
        blind.authenticate(req(basic(id, 'right-secret')), params({})),
      ).rejects.toBeInstanceOf(InvalidClientError);
      await expect(
        blind.authenticate(req(), params({ client_id: id, client_secret: 'right-secret' })),
      ).rejects.toBeInstanceOf(InvalidClientError);
    }
    const ok = await blind.authenticate(req(basic('secret-tv', 'right-secret')), params({}));
    expect(ok.clientId).toBe('secret-tv');
  });

  it('authenticates the right secret', async () => {
    const client = await authenticator.authenticate(
      req(),
      params({ client_id: 'secret-tv', client_secret: 'right-secret' }),
    );
    expect(client.clientId).toBe('secret-tv');
  });

  it('runs scrypt for a right secret once per TTL, for a wrong one every time', async () => {
    const right = () =>
      authenticator.authenticate(req(basic('secret-tv', 'right-secret')), params({}));
    const wrong = () =>
      authenticator.authenticate(req(basic('secret-tv', 'wrong-secret')), params({}));
    await right();
    await right();
    await right();
    expect(secrets.verifyClientSecret).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 3; i++) await expect(wrong()).rejects.toBeInstanceOf(InvalidClientError);
    expect(secrets.verifyClientSecret).toHaveBeenCalledTimes(4);
    clock.advance(30_000);
    await right();
    expect(secrets.verifyClientSecret).toHaveBeenCalledTimes(5);
  });

  it('a secret changed in the store: the old one is refused at once, though it was verified a moment ago', async () => {
    const as = (secret: string) =>
      authenticator.authenticate(req(basic('secret-tv', secret)), params({}));
    await as('right-secret');
    const stored = (await clients.findById('secret-tv'))!;
    await clients.save({ ...stored, secretHash: await secrets.hashClientSecret('new-secret') });
    await expect(as('right-secret')).rejects.toBeInstanceOf(InvalidClientError);
    expect((await as('new-secret')).clientId).toBe('secret-tv');
  });

  it('counts failed secret verifications per client IP, whatever the id: past the budget, 429 before any scrypt (RFC 6749 §10.10)', async () => {
    await clients.save({
      clientId: 'other-tv',
      secretHash: await secrets.hashClientSecret('other-secret'),
      grantTypes: [DEVICE_CODE_GRANT_TYPE],
      scopes: [],
      displayName: 'Other',
      disabled: false,
    });
    const limited = limitedTo(3);
    const from = (ip: string, secret: string, id = 'secret-tv') =>
      limited.authenticate(
        { ip, headers: { authorization: basic(id, secret) } } as unknown as HttpRequest,
        params({}),
      );
    // A right secret verified now is remembered, so it keeps working once the address is blocked.
    await from('203.0.113.5', 'right-secret');
    for (const wrong of ['wrong-1', 'wrong-2', 'wrong-3'])
      await expect(from('203.0.113.5', wrong)).rejects.toBeInstanceOf(InvalidClientError);
    vi.mocked(secrets.verifyClientSecret).mockClear();
    const blocked = await from('203.0.113.5', 'wrong-4').catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(TooManyRequestsError);
    expect((blocked as TooManyRequestsError).headers['Retry-After']).toBe('60');
    expect(secrets.verifyClientSecret).not.toHaveBeenCalled();
    expect((await from('203.0.113.5', 'right-secret')).clientId).toBe('secret-tv');
    // The budget is the address's: another client's secret, and an unknown id, get the same 429 there — a
    // budget per id would tell, once spent, which ids exist.
    await expect(from('203.0.113.5', 'other-secret', 'other-tv')).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    await expect(from('203.0.113.5', 'x', 'nobody-1')).rejects.toBeInstanceOf(TooManyRequestsError);
    // Another address has its own.
    await expect(from('198.51.100.7', 'wrong-5')).rejects.toBeInstanceOf(InvalidClientError);
    expect((await from('198.51.100.7', 'other-secret', 'other-tv')).clientId).toBe('other-tv');
    // Failures with unknown ids spend it too.
    for (const id of ['nobody-2', 'nobody-3'])
      await expect(from('198.51.100.7', 'x', id)).rejects.toBeInstanceOf(InvalidClientError);
    await expect(from('198.51.100.7', 'wrong-6')).rejects.toBeInstanceOf(TooManyRequestsError);
    // The window's end gives the budget back.
    clock.advance(60_000);
    await expect(from('203.0.113.5', 'wrong-7')).rejects.toBeInstanceOf(InvalidClientError);
  });

  it('wrong secrets sent at once run no more verifications than the budget (each reserves one first)', async () => {
    const limited = limitedTo(3);
    const guess = (secret: string, id = 'secret-tv') => attempt(limited, '203.0.113.8', id, secret);
    vi.mocked(secrets.verifyClientSecret).mockClear();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        guess(`wrong-${i}`, i % 2 ? 'secret-tv' : `nobody-${i}`),
      ),
    );
    const kinds = answers.map((e) => (e instanceof TooManyRequestsError ? 429 : 401)).sort();
    expect(kinds).toEqual([...Array<number>(3).fill(401), ...Array<number>(9).fill(429)]);
    expect(secrets.verifyClientSecret).toHaveBeenCalledTimes(3);
    // The right secret, once the budget is spent: refused too (not verified afresh), until the window ends.
    expect(await guess('right-secret')).toBeInstanceOf(TooManyRequestsError);
    clock.advance(60_000);
    expect(await guess('right-secret')).toMatchObject({ clientId: 'secret-tv' });
  });

  it('shares a verification only among requests from one address: a spent address never refuses another', async () => {
    const limited = limitedTo(2);
    const from = (ip: string, id: string, secret: string) => attempt(limited, ip, id, secret);
    // Unknown ids are enough to spend an address's budget.
    expect(await from('203.0.113.5', 'nobody-1', 'x')).toBeInstanceOf(InvalidClientError);
    expect(await from('203.0.113.5', 'nobody-2', 'x')).toBeInstanceOf(InvalidClientError);
    // The right secret at the same moment from the spent address and from another one.
    const [spent, clean] = await Promise.all([
      from('203.0.113.5', 'secret-tv', 'right-secret'),
      from('198.51.100.1', 'secret-tv', 'right-secret'),
    ]);
    expect(spent).toBeInstanceOf(TooManyRequestsError);
    expect(clean).toMatchObject({ clientId: 'secret-tv' });
  });

  it('right secrets of many clients at once: beyond the budget, refused for a second, not for the window', async () => {
    const secretsOf = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => [`client-${n}`, `secret-${n}-123`]);
    for (const [clientId, secret] of secretsOf)
      await clients.save({
        clientId,
        secretHash: await secrets.hashClientSecret(secret),
        grantTypes: [DEVICE_CODE_GRANT_TYPE],
        scopes: [],
        displayName: clientId,
        disabled: false,
      });
    const limited = limitedTo(3, 900);
    const as = ([id, secret]: string[]) => attempt(limited, '203.0.113.6', id, secret);
    const first = await Promise.all(secretsOf.map(as));
    const refused = first.filter(
      (r) => r instanceof TooManyRequestsError,
    ) as TooManyRequestsError[];
    expect(refused).toHaveLength(3);
    // Their verifications held the budget only while scrypt ran: come back in a second.
    expect(refused.map((r) => r.headers['Retry-After'])).toEqual(['1', '1', '1']);
    const again = await Promise.all(
      secretsOf.filter((_, i) => first[i] instanceof TooManyRequestsError).map(as),
    );
    expect(again.every((r) => !(r instanceof Error))).toBe(true);
  });

  it('a right secret gives its reservation back; a limiter without take and release is checked ahead', async () => {
    const reserving = limitedTo(2, 60, new InMemoryAttemptLimiter(), { clientCacheTtlMs: 0 });
    const as = (authenticator: ClientAuthenticator, secret: string) =>
      attempt(authenticator, '203.0.113.9', 'secret-tv', secret);
    // Verified afresh each time (no cache): five successes leave the whole budget of 2 failures.
    for (let i = 0; i < 5; i++)
      expect(await as(reserving, 'right-secret')).toMatchObject({ clientId: 'secret-tv' });
    expect(await as(reserving, 'wrong-1')).toBeInstanceOf(InvalidClientError);
    expect(await as(reserving, 'wrong-2')).toBeInstanceOf(InvalidClientError);
    expect(await as(reserving, 'wrong-3')).toBeInstanceOf(TooManyRequestsError);

    const counts = new InMemoryAttemptLimiter();
    const checkedAhead = limitedTo(2, 60, {
      retryAfterMs: (b, now) => counts.retryAfterMs(b, now),
      record: (b, now) => counts.record(b, now),
    });
    expect(await as(checkedAhead, 'wrong-1')).toBeInstanceOf(InvalidClientError);
    expect(await as(checkedAhead, 'wrong-2')).toBeInstanceOf(InvalidClientError);
    vi.mocked(secrets.verifyClientSecret).mockClear();
    expect(await as(checkedAhead, 'wrong-3')).toBeInstanceOf(TooManyRequestsError);
    expect(secrets.verifyClientSecret).not.toHaveBeenCalled();
  });

  it('many requests presenting the right secret at once: one scrypt, none refused, whatever the budget', async () => {
    const limited = limitedTo(2);
    const at = (ip: string) =>
      limited.authenticate(
        {
          ip,
          headers: { authorization: basic('secret-tv', 'right-secret') },
        } as unknown as HttpRequest,
        params({}),
      );
    for (const round of [0, 1]) {
      vi.mocked(secrets.verifyClientSecret).mockClear();
      const all = await Promise.all(Array.from({ length: 30 }, () => at('203.0.113.9')));
      expect(
        all.every((c) => c.clientId === 'secret-tv'),
        `round ${round}`,
      ).toBe(true);
      expect(secrets.verifyClientSecret).toHaveBeenCalledTimes(1);
      clock.advance(30_000); // past clientCacheTtl: the next round verifies again
    }
  });
});
