import 'reflect-metadata';
import type { INestApplication, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DEVICE_CODE_GRANT_TYPE,
  DeviceFlowModule,
  type DeviceFlowModuleOptions,
  DeviceFlowPurger,
  DeviceGrantService,
} from '../../libs/device-flow/src/index.js';
import { TEST_CLIENTS } from './test-app.js';

/** One app instance listening on an ephemeral port, as behind a load balancer. */
export interface Instance {
  app: INestApplication;
  url: string;
  grants: DeviceGrantService;
  purger: DeviceFlowPurger;
  /** POSTs a form to a path of this instance; resolves with status, headers and JSON body. */
  post(path: string, form: Record<string, string>): Promise<HttpResult>;
  close(): Promise<void>;
}

/** A response, read fully. */
export interface HttpResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Starts an independent Nest app with the module (own DataSource, own Redis client) on 127.0.0.1:0. */
export async function startInstance(
  options: Partial<DeviceFlowModuleOptions>,
  providers: Provider[] = [],
): Promise<Instance> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      DeviceFlowModule.forRoot({
        issuer: 'http://localhost:3000',
        clients: TEST_CLIENTS,
        hashSecret: 'test-hash-secret-0123456789',
        purge: { interval: false },
        ...options,
        providers,
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    grants: app.get(DeviceGrantService),
    purger: app.get(DeviceFlowPurger),
    post: (path, form) => post(url + path, form),
    close: () => app.close(),
  };
}

/** POSTs a form body and reads the JSON answer. */
export async function post(url: string, form: Record<string, string>): Promise<HttpResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { unparsed: text };
  }
  return { status: res.status, headers: res.headers, body };
}

/** Starts a device authorization for client `tv` on `instance`. */
export async function authorize(
  instance: Instance,
  scope = 'read',
): Promise<{ device_code: string; user_code: string; interval: number }> {
  const res = await instance.post('/oauth/device_authorization', { client_id: 'tv', scope });
  if (res.status !== 200)
    throw new Error(`device authorization failed: ${JSON.stringify(res.body)}`);
  return res.body as { device_code: string; user_code: string; interval: number };
}

/** Polls the token endpoint of `instance` for `deviceCode` as client `tv`. */
export function poll(instance: Instance, deviceCode: string): Promise<HttpResult> {
  return instance.post('/oauth/token', {
    grant_type: DEVICE_CODE_GRANT_TYPE,
    client_id: 'tv',
    device_code: deviceCode,
  });
}

/**
 * Polls until the answer is not a 5xx (the store is back) or `attempts` run out, waiting `delayMs` between
 * polls; every 5xx on the way is handed to `checkFailure` (the suite's rule for what an outage may answer).
 */
export async function pollUntilAnswered(
  instance: Instance,
  deviceCode: string,
  checkFailure: (r: HttpResult) => void,
  { attempts = 30, delayMs = 200 }: { attempts?: number; delayMs?: number } = {},
): Promise<HttpResult> {
  for (let attempt = 0; ; attempt++) {
    const r = await poll(instance, deviceCode);
    if (r.status < 500 || attempt >= attempts) return r;
    checkFailure(r);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}
