import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DemoConfig } from './demo.config.js';

/**
 * Creates the demo's Nest application on the configured HTTP platform, with the same options on both: raw bodies
 * kept for the form parser, no `X-Powered-By`, shutdown hooks on. The benchmark starts its server through this
 * too, so it measures what `npm start` runs.
 */
export async function createDemoApp(
  root: DynamicModule,
  config: Pick<DemoConfig, 'adapter'>,
  logger: false | undefined = undefined,
): Promise<INestApplication> {
  const options = { rawBody: true, ...(logger === false ? { logger } : {}) };
  let app: INestApplication;
  if (config.adapter === 'fastify') {
    // Loaded only when asked for, so an Express-only install does not need Fastify.
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    app = await NestFactory.create(root, new FastifyAdapter(), options);
  } else {
    const express = await NestFactory.create<NestExpressApplication>(root, options);
    express.disable('x-powered-by');
    app = express;
  }
  app.enableShutdownHooks();
  return app;
}
