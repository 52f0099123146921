import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import {
  DEVICE_FLOW_OPTIONS,
  issuerMetadataUrl,
  type ResolvedDeviceFlowOptions,
} from '../libs/device-flow/src/index.js';
import { setupApiDocs } from './api-docs.js';
import { AppModule } from './app.module.js';
import { createDemoApp } from './create-app.js';
import { DEFAULT_DATABASE_URL, forLog } from './database-url.js';
import { DEMO_ADMIN_TOKEN, readDemoConfig } from './demo.config.js';
import { listenOnAllInterfaces } from './listen.js';

async function main(): Promise<void> {
  const config = readDemoConfig();
  if (!config.databaseUrl) mkdirSync('data', { recursive: true });
  const app = await createDemoApp(AppModule.forConfig(config), config);
  const logger = new Logger('Demo');
  setupApiDocs(app, config.issuer);
  await listenOnAllInterfaces(app, config.port);
  const redis = config.redisUrl ? `, device codes in Redis: ${forLog(config.redisUrl)}` : '';
  logger.log(
    `device flow demo listening on ${config.issuer} on ${config.adapter} (database: ${forLog(config.databaseUrl ?? DEFAULT_DATABASE_URL)}${redis})`,
  );
  // URLs from the module's resolved options: no `//` after an issuer's trailing slash, its path kept.
  const options = app.get<symbol, ResolvedDeviceFlowOptions>(DEVICE_FLOW_OPTIONS);
  logger.log(`metadata: ${issuerMetadataUrl(config.issuer)}`);
  logger.log(`verification page: ${options.verificationUri} (demo users alice/alice, bob/bob)`);
  logger.log(`API docs: ${options.issuer}/docs`);
  if (config.adminToken === DEMO_ADMIN_TOKEN)
    logger.warn(
      'admin API: the public default token, accepted from this machine only; set DEMO_ADMIN_TOKEN (empty turns the admin API off) before exposing the demo or putting a proxy in front of it',
    );
}

void main();
