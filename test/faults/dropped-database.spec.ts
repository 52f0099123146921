import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isTransient, ManualClock } from '../../libs/device-flow/src/index.js';
import {
  createIsolatedDatabase,
  describeWith,
  type IsolatedDatabase,
  SQL_SERVERS,
} from '../support/databases.js';
import { authorize, type HttpResult, poll, startInstance } from '../support/instances.js';

const [POSTGRES, MARIADB] = SQL_SERVERS as [(typeof SQL_SERVERS)[0], (typeof SQL_SERVERS)[0]];

/** 503 `temporarily_unavailable` with `Retry-After`: the client retries; never a 500, never tokens. */
function expectUnavailable(r: HttpResult): void {
  expect(r.status).toBe(503);
  expect(r.body.error).toBe('temporarily_unavailable');
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(r.body.access_token).toBeUndefined();
  expect(r.body.device_code).toBeUndefined();
}

/**
 * The database is dropped under a running server (an operator's mistake, a restore in progress): the server's
 * connections are terminated and new ones are refused with "database does not exist" (3D000). Every endpoint
 * says "try again" (503), as for a server that is down, not "internal error" (500). Real PostgreSQL.
 */
await describeWith('the database dropped under a running server (PostgreSQL)', [POSTGRES], () => {
  let db: IsolatedDatabase;
  beforeAll(async () => {
    db = await createIsolatedDatabase(POSTGRES);
  });
  afterAll(() => db?.drop());

  it('device authorization and polls answer 503 with Retry-After', async () => {
    const app = await startInstance({ database: db.options, clock: new ManualClock() });
    try {
      const auth = await authorize(app);
      expect((await poll(app, auth.device_code)).body.error).toBe('authorization_pending');
      await db.drop(); // WITH (FORCE): the pool's connections are terminated
      for (let i = 0; i < 3; i++) {
        expectUnavailable(await poll(app, auth.device_code));
        expectUnavailable(
          await app.post('/oauth/device_authorization', { client_id: 'tv', scope: 'read' }),
        );
      }
    } finally {
      await app.close();
    }
  });
});

/** MariaDB refuses a connection to a database that is not there with ER_BAD_DB_ERROR: also "try again". */
await describeWith('connecting to a database that is not there (MariaDB)', [MARIADB], () => {
  it('is ER_BAD_DB_ERROR from the real driver, and transient', async () => {
    const url = new URL(MARIADB.url);
    url.pathname = '/df_not_there_at_all';
    const error = await mysql.createConnection(url.toString()).then(
      async (c) => {
        await c.end();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect((error as { code?: string }).code).toBe('ER_BAD_DB_ERROR');
    expect(isTransient(error)).toBe(true);
  });
});
