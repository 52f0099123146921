import { connect } from 'node:net';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC (not esbuild) transpiles the tests so that `emitDecoratorMetadata` works as it does under tsc.
const plugins = [swc.vite({ module: { type: 'es6' } })];
const shared = { pool: 'forks' as const, testTimeout: 20_000, hookTimeout: 30_000 };

/** Whether something listens on host:port (1 s at most). */
function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The end-to-end suites (`*.e2e.spec.ts`) run again on PostgreSQL and MariaDB (`TEST_DATABASE`, read by
 * test/support/test-app.ts). Under CI they always do (a missing server fails); elsewhere a server that is down
 * is left out with a printed reason.
 */
async function e2eOnServer(name: string, database: string, url: string, port: number) {
  if (process.env.CI !== 'true' && !(await reachable(url, port))) {
    console.warn(`[skip] project ${name}: ${url} is not reachable (CI=true fails instead)`);
    return [];
  }
  return [
    {
      plugins,
      test: {
        ...shared,
        name,
        include: ['test/**/*.e2e.spec.ts'],
        env: { TEST_DATABASE: database },
      },
    },
  ];
}

/**
 * The end-to-end suites, and the real-browser suite, again on `@nestjs/platform-fastify` (`TEST_ADAPTER`, read by
 * test/support/test-app.ts) on SQLite: the HTTP platform is independent of the database, so Fastify on one
 * database is enough. test/http-platforms/ is left out: it runs on both platforms in every project already.
 */
const e2eFastify = {
  plugins,
  test: {
    ...shared,
    name: 'e2e-fastify',
    include: ['test/**/*.e2e.spec.ts', 'test/browser/**/*.spec.ts'],
    exclude: ['test/http-platforms/**'],
    env: { TEST_ADAPTER: 'fastify', TEST_DATABASE: 'sqlite' },
  },
};

export default defineConfig(async () => ({
  test: {
    projects: [
      {
        plugins,
        test: {
          ...shared,
          name: 'default',
          include: ['libs/**/*.spec.ts', 'src/**/*.spec.ts', 'test/**/*.spec.ts'],
        },
      },
      e2eFastify,
      ...(await e2eOnServer(
        'e2e-postgres',
        'postgres',
        process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        5432,
      )),
      ...(await e2eOnServer(
        'e2e-mariadb',
        'mariadb',
        process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test',
        3306,
      )),
    ],
  },
}));
