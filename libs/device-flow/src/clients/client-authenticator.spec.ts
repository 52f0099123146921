import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { HttpRequest } from '../http/http-exchange.js';
import * as secrets from '../codes/secret-hash.js';
import { InvalidClientError } from '../errors/oauth.errors.js';
import { FormParams } from '../http/form-body.parser.js';
import { InMemoryClientRepository } from '../persistence/memory/in-memory-client.repository.js';
import { ClientAuthenticator } from './client-authenticator.js';
import { DEVICE_CODE_GRANT_TYPE } from './client.repository.js';

vi.mock('../codes/secret-hash.js', { spy: true });

const req = (authorization?: string) => ({ headers: { authorization } }) as unknown as HttpRequest;
const params = (values: Record<string, string>) => new FormParams(new Map(Object.entries(values)));

describe('ClientAuthenticator', () => {
  let authenticator: ClientAuthenticator;
  beforeEach(async () => {
    const clients = new InMemoryClientRepository();
    await clients.save({
      clientId: 'secret-tv',
      secretHash: await secrets.hashClientSecret('right-secret'),
      grantTypes: [DEVICE_CODE_GRANT_TYPE],
      scopes: [],
      displayName: 'TV',
      disabled: false,
    });
    authenticator = new ClientAuthenticator(clients);
    vi.mocked(secrets.verifyClientSecret).mockClear();
  });

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

  it('authenticates the right secret', async () => {
    const client = await authenticator.authenticate(
      req(),
      params({ client_id: 'secret-tv', client_secret: 'right-secret' }),
    );
    expect(client.clientId).toBe('secret-tv');
  });
});
