import { afterEach, expect, it } from 'vitest';
import {
  DeviceCodeRepository,
  type DeviceFlowModuleOptions,
  DeviceManagementService,
} from '../../libs/device-flow/src/index.js';
import { MapDeviceCodeRepository } from '../module/map-device-code.repository.js';
import { describeWith, randomRedisPrefix, REDIS_URL } from '../support/databases.js';
import { createTestApp, form, oauthError, type TestApp } from '../support/test-app.js';

/** Where the issuance counters live: the SQL database, memory, or Redis. */
const STORAGES: {
  name: string;
  redis: boolean;
  options: () => Partial<DeviceFlowModuleOptions>;
}[] = [
  { name: 'typeorm', redis: false, options: () => ({}) },
  { name: 'memory', redis: false, options: () => ({ storage: 'memory' }) },
  {
    name: 'redis',
    redis: true,
    options: () => ({
      storage: 'redis',
      redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() },
    }),
  },
];

/**
 * The device code issuance limit (`issuanceLimit`) counts device codes issued: a request refused for its scope,
 * or by the kill switch, or one the server failed to store issues none and spends none of the budget.
 */
for (const storage of STORAGES) {
  await describeWith(
    `issuance limit counts issued codes only (${storage.name} storage)`,
    storage.redis ? ['redis'] : [],
    () => {
      let t: TestApp;
      afterEach(() => t?.close());

      const ask = (params: Record<string, string>) =>
        t.http.post('/oauth/device_authorization').type('form').send(form(params));

      it('refused scopes (unknown, malformed) spend nothing; the budget still holds for issued codes', async () => {
        t = await createTestApp({
          ...storage.options(),
          issuanceLimit: { limit: 2, windowSeconds: 60 },
        });
        for (let i = 0; i < 5; i++) {
          expect(oauthError((await ask({ client_id: 'tv', scope: 'admin' })).body)).toBe(
            'invalid_scope',
          );
          expect(oauthError((await ask({ client_id: 'tv', scope: 'read  write' })).body)).toBe(
            'invalid_scope',
          );
        }
        await ask({ client_id: 'tv', scope: 'read' }).expect(200);
        await ask({ client_id: 'tv', scope: 'read' }).expect(200);
        const limited = await ask({ client_id: 'tv', scope: 'read' }).expect(429);
        expect(oauthError(limited.body)).toBe('temporarily_unavailable');
        // Over budget, a bad request is still told what is wrong with it.
        expect(oauthError((await ask({ client_id: 'tv', scope: 'admin' })).body)).toBe(
          'invalid_scope',
        );
      });

      it('requests refused by the kill switch spend nothing', async () => {
        t = await createTestApp({
          ...storage.options(),
          issuanceLimit: { limit: 1, windowSeconds: 60 },
        });
        const management = t.app.get(DeviceManagementService);
        await management.disableDeviceGrant('tv');
        for (let i = 0; i < 3; i++) {
          const refused = await ask({ client_id: 'tv' }).expect(400);
          expect(oauthError(refused.body)).toBe('unauthorized_client');
        }
        await management.enableDeviceGrant('tv');
        await ask({ client_id: 'tv' }).expect(200);
        await ask({ client_id: 'tv' }).expect(429);
      });

      it('a request the server failed to store codes for gives its count back', async () => {
        const codes = new MapDeviceCodeRepository();
        let failures = 2;
        const store = codes.create.bind(codes);
        codes.create = async (record) => {
          if (failures-- > 0) throw new Error('disk I/O error');
          return store(record);
        };
        t = await createTestApp(
          { ...storage.options(), issuanceLimit: { limit: 1, windowSeconds: 60 } },
          { providers: [{ provide: DeviceCodeRepository, useValue: codes }] },
        );
        for (let i = 0; i < 2; i++) {
          const failed = await ask({ client_id: 'tv' }).expect(500);
          expect(oauthError(failed.body)).toBe('server_error');
        }
        // Two failures spent nothing: the one code the budget allows is still there, and only one.
        await ask({ client_id: 'tv' }).expect(200);
        await ask({ client_id: 'tv' }).expect(429);
      });
    },
  );
}
