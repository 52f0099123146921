import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeviceCodeRepository,
  DeviceFlowModule,
  DeviceGrantService,
  ManualClock,
  UserCodeGenerator,
} from '../../libs/device-flow/src/index.js';
import {
  createTestApp,
  createNestApp,
  form,
  oauthError,
  poll,
  startAuthorization,
  TEST_CLIENTS,
  type TestApp,
} from '../support/test-app.js';
import { MapDeviceCodeRepository } from './map-device-code.repository.js';

/** Replacing parts by token, with classes that subclass nothing (README "Replacing a part"). */
describe('overriding a token', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** Runs a whole device flow and returns the token response. */
  const fullFlow = async (app: TestApp) => {
    const auth = await startAuthorization(app, { client_id: 'tv', scope: 'read' });
    expect(oauthError((await poll(app, auth.device_code)).body)).toBe('authorization_pending');
    await app.grants.approve(auth.user_code, 'alice');
    app.clock.advance(5000);
    const ok = await poll(app, auth.device_code);
    expect(ok.status).toBe(200);
    return auth;
  };

  it('through the `providers` extra, with useClass', async () => {
    t = await createTestApp(
      {},
      { providers: [{ provide: DeviceCodeRepository, useClass: MapDeviceCodeRepository }] },
    );
    const repo = t.app.get<MapDeviceCodeRepository>(DeviceCodeRepository);
    expect(repo).toBeInstanceOf(MapDeviceCodeRepository);
    await fullFlow(t);
    expect(repo.calls).toEqual(
      expect.arrayContaining([
        'create',
        'recordPoll',
        'findByUserCodeHash',
        'transition:pending->approved',
        'transition:approved->consumed',
      ]),
    );
    expect([...repo.store.values()].some((v) => v.includes('"status":"consumed"'))).toBe(true);
  });

  it('through Test.createTestingModule().overrideProvider(DeviceCodeRepository)', async () => {
    const repo = new MapDeviceCodeRepository();
    const clock = new ManualClock();
    const moduleRef = await Test.createTestingModule({
      imports: [
        DeviceFlowModule.forRoot({
          issuer: 'http://localhost:3000',
          clients: TEST_CLIENTS,
          storage: 'memory',
          clock,
        }),
      ],
    })
      .overrideProvider(DeviceCodeRepository)
      .useValue(repo)
      .compile();
    const app = await createNestApp(moduleRef);
    t = {
      app,
      http: request(app.getHttpServer()),
      clock,
      grants: app.get(DeviceGrantService),
      close: () => app.close(),
    };
    await fullFlow(t);
    expect(repo.calls).toContain('transition:approved->consumed');
  });

  it('a custom UserCodeGenerator: collisions are retried with a fresh code', async () => {
    const codes = ['BCDFGHJK', 'BCDFGHJK', 'BCDFGHJK', 'BCDFGHJL'];
    const generator: UserCodeGenerator = { generate: () => codes.shift() ?? 'ZZZZZZZZ' };
    t = await createTestApp(
      {},
      { providers: [{ provide: UserCodeGenerator, useValue: generator }] },
    );
    expect((await startAuthorization(t)).user_code).toBe('BCDF-GHJK');
    expect((await startAuthorization(t)).user_code).toBe('BCDF-GHJL');
    expect(codes).toEqual([]);
  });

  it('a generator that always collides ends in server_error without detail', async () => {
    const generator: UserCodeGenerator = { generate: () => 'BCDFGHJK' };
    t = await createTestApp(
      {},
      { providers: [{ provide: UserCodeGenerator, useValue: generator }] },
    );
    await startAuthorization(t);
    const res = await t.http
      .post('/oauth/device_authorization')
      .type('form')
      .send(form({ client_id: 'tv' }));
    expect(res.status).toBe(500);
    expect(oauthError(res.body)).toBe('server_error');
  });
});

describe('unexpected failures', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const failing = (error: Error) =>
    Object.assign(new MapDeviceCodeRepository(), {
      findByDeviceCodeHash: async () => {
        throw error;
      },
    });

  it('answer server_error 500 with no detail and no stack', async () => {
    const secret = new Error('SQLITE_ERROR: no such column device_code_hash in /srv/app/db.sqlite');
    t = await createTestApp(
      {},
      { providers: [{ provide: DeviceCodeRepository, useValue: failing(secret) }] },
    );
    const res = await poll(t, 'x'.repeat(43));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: 'server_error',
      error_description: 'the server could not complete the request',
    });
    expect(res.text).not.toMatch(/SQLITE|srv|at /);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answer temporarily_unavailable 503 with Retry-After when the database is away', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    t = await createTestApp(
      {},
      { providers: [{ provide: DeviceCodeRepository, useValue: failing(down) }] },
    );
    const res = await poll(t, 'x'.repeat(43));
    expect(res.status).toBe(503);
    expect(oauthError(res.body)).toBe('temporarily_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    expect(res.text).not.toMatch(/ECONNREFUSED|5432/);
  });
});
