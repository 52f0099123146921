import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { setupApiDocs } from './api-docs.js';
import { AppModule } from './app.module.js';
import { createDemoApp } from './create-app.js';
import { DEFAULT_DATABASE_URL } from './database-url.js';
import { readDemoConfig } from './demo.config.js';

async function main(): Promise<void> {
  const config = readDemoConfig();
  if (!config.databaseUrl) mkdirSync('data', { recursive: true });
  const app = await createDemoApp(AppModule.forConfig(config), config);
  const logger = new Logger('Demo');
  setupApiDocs(app, config.issuer);
  await app.listen(config.port);
  logger.log(
    `device flow demo listening on ${config.issuer} on ${config.adapter} (database: ${config.databaseUrl ?? DEFAULT_DATABASE_URL})`,
  );
  logger.log(`metadata: ${config.issuer}/.well-known/oauth-authorization-server`);
  logger.log(`verification page: ${config.issuer}/device (demo users alice/alice, bob/bob)`);
  logger.log(`API docs: ${config.issuer}/docs`);
}

void main();
