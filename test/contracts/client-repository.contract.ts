import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientRecord, ClientRepository } from '../../libs/device-flow/src/index.js';
import {
  DEVICE_CODE_GRANT_TYPE,
  REFRESH_TOKEN_GRANT_TYPE,
} from '../../libs/device-flow/src/index.js';
import type { ContractSubject, RepositoryFactory } from './contract.js';

/** A client record; override any field. */
export function clientRecord(overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    clientId: 'tv',
    secretHash: null,
    grantTypes: [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
    scopes: ['read', 'write'],
    displayName: 'Living-room TV',
    disabled: false,
    ...overrides,
  };
}

/** The {@link ClientRepository} contract. See `contract.ts` for how to run it. */
export function clientRepositoryContract(
  name: string,
  factory: RepositoryFactory<ClientRepository>,
): void {
  describe(`ClientRepository contract: ${name}`, () => {
    let subject: ContractSubject<ClientRepository>;
    let repo: ClientRepository;
    beforeEach(async () => {
      subject = await factory();
      repo = subject.repository;
    });
    afterEach(async () => {
      await subject?.close?.();
    });

    it('saves a client and finds it by id, every field intact', async () => {
      const pub = clientRecord();
      const conf = clientRecord({
        clientId: 'secret-tv',
        secretHash: 'scrypt$16384$8$1$salt$hash',
        grantTypes: [DEVICE_CODE_GRANT_TYPE],
        scopes: [],
        disabled: true,
      });
      await repo.save(pub);
      await repo.save(conf);
      expect({ ...(await repo.findById('tv')) }).toEqual(pub);
      expect({ ...(await repo.findById('secret-tv')) }).toEqual(conf);
      expect(await repo.findById('unknown')).toBeNull();
    });

    it('finds only the exact id: no case variant, no trailing space, and null for an id no client can have', async () => {
      await repo.save(clientRecord({ clientId: 'demo-device' }));
      for (const variant of ['DEMO-DEVICE', 'Demo-Device', 'demo-device ', 'demo-device  ']) {
        expect(await repo.findById(variant)).toBeNull();
      }
      // A NUL byte is no database error (PostgreSQL refuses it in a text parameter) but no client.
      expect(await repo.findById('demo-device\u0000')).toBeNull();
      expect(await repo.findById('demo\u0000device')).toBeNull();
      expect((await repo.findById('demo-device'))?.clientId).toBe('demo-device');
    });

    it('replaces a client saved again under the same id', async () => {
      await repo.save(clientRecord());
      const changed = clientRecord({ scopes: ['read'], displayName: 'Renamed', disabled: true });
      await repo.save(changed);
      expect({ ...(await repo.findById('tv')) }).toEqual(changed);
    });

    it('returns copies: changing a returned client changes nothing stored', async () => {
      await repo.save(clientRecord());
      const found = (await repo.findById('tv'))!;
      found.scopes.push('admin');
      found.disabled = true;
      expect(await repo.findById('tv')).toMatchObject({
        scopes: ['read', 'write'],
        disabled: false,
      });
    });
  });
}
