import type { INestApplication } from '@nestjs/common';
import { setupApiDocs } from '../../src/api-docs.js';
import { AppModule } from '../../src/app.module.js';
import { createDemoApp } from '../../src/create-app.js';
import { readDemoConfig } from '../../src/demo.config.js';
import { testAdapter } from './test-app.js';

/**
 * The demo app as `npm start` builds it (src/create-app.ts, API docs included) on the platform under test,
 * initialised but not listening: in-memory SQLite, `env` as the demo's environment variables.
 */
export async function npmStartApp(env: Record<string, string> = {}): Promise<INestApplication> {
  const config = readDemoConfig({ ...env, DATABASE_URL: 'sqlite::memory:' });
  const app = await createDemoApp(
    AppModule.forConfig(config),
    { adapter: testAdapter(), trustProxy: undefined },
    false,
  );
  setupApiDocs(app, config.issuer);
  await app.init();
  if (testAdapter() === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** {@link npmStartApp}, listening on 127.0.0.1 at a free port; returns the app and the port. */
export async function listeningNpmStartApp(): Promise<{ app: INestApplication; port: number }> {
  const app = await npmStartApp();
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as { port: number }).port };
}
