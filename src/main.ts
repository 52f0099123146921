import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { setupApiDocs } from './api-docs.js';
import { AppModule } from './app.module.js';
import { DEFAULT_DATABASE_URL } from './database-url.js';
import { readDemoConfig } from './demo.config.js';

async function main(): Promise<void> {
  const config = readDemoConfig();
  if (!config.databaseUrl) mkdirSync('data', { recursive: true });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    rawBody: true,
  });
  app.disable('x-powered-by');
  // Behind a load balancer: trust its X-Forwarded-For so the consent page shows the device's real address.
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  app.enableShutdownHooks();
  setupApiDocs(app, config.issuer);
  await app.listen(config.port);
  const logger = new Logger('Demo');
  logger.log(
    `device flow demo listening on ${config.issuer} (database: ${config.databaseUrl ?? DEFAULT_DATABASE_URL})`,
  );
  logger.log(`metadata: ${config.issuer}/.well-known/oauth-authorization-server`);
  logger.log(`verification page: ${config.issuer}/device (demo users alice/alice, bob/bob)`);
  logger.log(`API docs: ${config.issuer}/docs`);
}

void main();
