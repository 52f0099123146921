import 'reflect-metadata';
import {
  type DynamicModule,
  Inject,
  Injectable,
  type INestApplication,
  Logger,
  Module,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEVICE_FLOW_ENTITIES,
  DEVICE_FLOW_MIGRATIONS,
  DeviceCodeEntity,
  DeviceCodeRepository,
  type DeviceFlowModuleOptions,
  DeviceFlowConfigurationError,
  DeviceFlowModule,
  type DeviceFlowOptionsFactory,
  DeviceGrantService,
  ManualClock,
} from '../../libs/device-flow/src/index.js';
import {
  createNestApp,
  DEVICE_GRANT,
  form,
  oauthError,
  TEST_CLIENTS,
} from '../support/test-app.js';
import { MapDeviceCodeRepository } from './map-device-code.repository.js';

const CONFIG = Symbol('CONFIG');
const clock = new ManualClock();
const baseOptions: DeviceFlowModuleOptions = {
  issuer: 'http://async.example',
  clients: TEST_CLIENTS,
  database: { type: 'better-sqlite3', database: ':memory:' },
  hashSecret: 'async-hash-secret-0123456789',
  clock,
};

/** A host configuration module, as `ConfigModule` would be. */
@Module({
  providers: [{ provide: CONFIG, useValue: { issuer: 'http://async.example', interval: 7 } }],
  exports: [CONFIG],
})
class HostConfigModule {}

/** An options factory class (`useClass` / `useExisting`), itself injected with host configuration. */
@Injectable()
class DeviceFlowConfig implements DeviceFlowOptionsFactory {
  constructor(@Inject(CONFIG) private readonly config: { issuer: string; interval: number }) {}
  createDeviceFlowOptions(): DeviceFlowModuleOptions {
    return { ...baseOptions, issuer: this.config.issuer, interval: this.config.interval };
  }
}

@Module({ imports: [HostConfigModule], providers: [DeviceFlowConfig], exports: [DeviceFlowConfig] })
class HostOptionsModule {}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function boot(...imports: DynamicModule[]) {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  app = await createNestApp(moduleRef);
  return request(app.getHttpServer());
}

/** Starts and redeems one device authorization at the given paths. */
async function flow(
  http: ReturnType<typeof request>,
  grants: DeviceGrantService,
  paths = { device: '/oauth/device_authorization', token: '/oauth/token' },
) {
  const auth = await http
    .post(paths.device)
    .type('form')
    .send(form({ client_id: 'tv' }));
  expect(auth.status).toBe(200);
  await grants.approve(auth.body.user_code, 'alice');
  const ok = await http
    .post(paths.token)
    .type('form')
    .send(form({ grant_type: DEVICE_GRANT, device_code: auth.body.device_code, client_id: 'tv' }));
  expect(ok.status).toBe(200);
  return auth.body as { interval: number; verification_uri: string; device_code: string };
}

describe('DeviceFlowModule.forRootAsync', () => {
  it('useFactory with imports and inject; routes and providers extras still apply', async () => {
    const http = await boot(
      DeviceFlowModule.forRootAsync({
        imports: [HostConfigModule],
        inject: [CONFIG],
        useFactory: (config: { issuer: string; interval: number }) => ({
          ...baseOptions,
          issuer: config.issuer,
          interval: config.interval,
        }),
        routes: { deviceAuthorization: '/async/device', token: '/async/token' },
        providers: [{ provide: DeviceCodeRepository, useClass: MapDeviceCodeRepository }],
      }),
    );
    const auth = await flow(http, app!.get(DeviceGrantService), {
      device: '/async/device',
      token: '/async/token',
    });
    expect(auth.interval).toBe(7);
    expect(auth.verification_uri).toBe('http://async.example/device');
    expect(app!.get(DeviceCodeRepository)).toBeInstanceOf(MapDeviceCodeRepository);
    expect((await http.post('/oauth/token').type('form').send('a=b')).status).toBe(404);
  });

  it('useClass', async () => {
    const http = await boot(
      DeviceFlowModule.forRootAsync({ imports: [HostConfigModule], useClass: DeviceFlowConfig }),
    );
    expect((await flow(http, app!.get(DeviceGrantService))).interval).toBe(7);
  });

  it('useExisting', async () => {
    const http = await boot(
      DeviceFlowModule.forRootAsync({
        imports: [HostOptionsModule],
        useExisting: DeviceFlowConfig,
      }),
    );
    expect((await flow(http, app!.get(DeviceGrantService))).interval).toBe(7);
  });

  it('warns at start-up when the factory advertises a verificationUri where the page is not mounted', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    try {
      const http = await boot(
        DeviceFlowModule.forRootAsync({
          useFactory: () => ({ ...baseOptions, verificationUri: '/activate' }),
        }),
      );
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining(
          'verificationUri http://async.example/activate is not where the verification page is mounted (/device)',
        ),
      );
      // As it said: the page is at /device, and nothing at /activate.
      await http.get('/device').expect(303);
      await http.get('/activate').expect(404);
      await app!.close();
      app = undefined;
      warn.mockClear();
      await boot(
        DeviceFlowModule.forRootAsync({
          useFactory: () => ({ ...baseOptions, verificationUri: '/activate' }),
          verificationPath: '/activate',
        }),
      );
      expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('verificationUri'));
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses routes that shadow each other or the page, and a bad verificationPath, as configuration errors', () => {
    expect(() =>
      DeviceFlowModule.forRoot({
        ...baseOptions,
        routes: { revocation: '/oauth/device_authorization' },
      }),
    ).toThrow(DeviceFlowConfigurationError);
    expect(() =>
      DeviceFlowModule.forRoot({ ...baseOptions, routes: { token: '/device' } }),
    ).toThrow(/routes.token \(\/device\) is the path of the verification page/);
    expect(() =>
      DeviceFlowModule.forRootAsync({ useFactory: () => baseOptions, verificationPath: 'link' }),
    ).toThrow(DeviceFlowConfigurationError);
  });

  it('a factory returning invalid options fails start-up with a DeviceFlowConfigurationError', async () => {
    await expect(
      boot(DeviceFlowModule.forRootAsync({ useFactory: () => ({ ...baseOptions, interval: 0 }) })),
    ).rejects.toThrow(/DeviceFlowModule: interval must be/);
  });
});

describe('the module on an integrator-owned DataSource', () => {
  it('uses the host DataSource (DEVICE_FLOW_ENTITIES + DEVICE_FLOW_MIGRATIONS) and leaves it open', async () => {
    const dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [...DEVICE_FLOW_ENTITIES],
      migrations: [...DEVICE_FLOW_MIGRATIONS],
      migrationsRun: true,
    });
    await dataSource.initialize();
    try {
      const { database: _unused, ...options } = baseOptions;
      const http = await boot(
        DeviceFlowModule.forRootAsync({
          useFactory: () => ({ ...options, dataSource }),
        }),
      );
      await flow(http, app!.get(DeviceGrantService));
      const rows = await dataSource.getRepository(DeviceCodeEntity).find();
      expect(rows).toHaveLength(1);
      expect(rows[0].status).toBe('consumed');
      await app!.close();
      app = undefined;
      expect(dataSource.isInitialized).toBe(true);
    } finally {
      await dataSource.destroy();
    }
  });
});

/**
 * Every route of an instance under `prefix`. Two instances in one app need disjoint paths for every endpoint
 * they mount (the verification page included): Fastify refuses a duplicate route at start-up, and Express would
 * silently serve the first instance's handler.
 */
function routesUnder(prefix: string) {
  return {
    deviceAuthorization: `${prefix}/device`,
    token: `${prefix}/token`,
    metadata: `${prefix}/meta`,
    introspection: `${prefix}/introspect`,
    revocation: `${prefix}/revoke`,
    jwks: `${prefix}/jwks`,
    verificationQr: `${prefix}/device_qr`,
  };
}

describe('two module instances with different routes', () => {
  it('serve their own endpoints from their own storage', async () => {
    const a = DeviceFlowModule.forRoot({
      ...baseOptions,
      issuer: 'http://a.example',
      verificationUri: 'http://a.example/a/activate',
      routes: routesUnder('/a'),
    });
    const b = DeviceFlowModule.forRoot({
      ...baseOptions,
      issuer: 'http://b.example',
      interval: 9,
      verificationUri: 'http://b.example/b/activate',
      routes: routesUnder('/b'),
    });
    const http = await boot(a, b);
    const grantsA = app!.select(a).get(DeviceGrantService, { strict: true });
    const grantsB = app!.select(b).get(DeviceGrantService, { strict: true });
    expect(grantsA === grantsB).toBe(false); // (not .toBe: printing a Nest service graph is very slow)

    const authA = await flow(http, grantsA, { device: '/a/device', token: '/a/token' });
    const authB = await flow(http, grantsB, { device: '/b/device', token: '/b/token' });
    expect(authA.interval).toBe(5);
    expect(authB.interval).toBe(9);
    expect(authB.verification_uri).toBe('http://b.example/b/activate');
    expect((await http.get('/b/meta')).body.token_endpoint).toBe('http://b.example/b/token');

    // A's code is unknown to B
    const cross = await http
      .post('/b/device')
      .type('form')
      .send(form({ client_id: 'tv' }));
    const res = await http
      .post('/a/token')
      .type('form')
      .send(
        form({ grant_type: DEVICE_GRANT, device_code: cross.body.device_code, client_id: 'tv' }),
      );
    expect(oauthError(res.body)).toBe('invalid_grant');

    // body-parser failures are OAuth errors on both instances' paths
    for (const path of ['/a/token', '/b/token', '/b/device']) {
      const bad = await http.post(path).set('Content-Type', 'application/json').send('{"x":');
      expect(oauthError(bad.body), path).toBe('invalid_request');
    }
  });
});
