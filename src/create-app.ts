import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DemoConfig } from './demo.config.js';

/**
 * Creates the demo's Nest application on the configured HTTP platform, with the same options on both: raw bodies
 * kept for the form parser, no `X-Powered-By`, `TRUST_PROXY` applied, shutdown hooks on. The benchmark starts its server through this
 * too, so it measures what `npm start` runs.
 */
export async function createDemoApp(
  root: DynamicModule,
  config: Pick<DemoConfig, 'adapter' | 'trustProxy'>,
  logger: false | undefined = undefined,
): Promise<INestApplication> {
  const options = { rawBody: true, ...(logger === false ? { logger } : {}) };
  let app: INestApplication;
  if (config.adapter === 'fastify') {
    // Loaded only when asked for, so an Express-only install does not need Fastify.
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    // Behind a load balancer: trust its X-Forwarded-For so the consent page shows the device's real address.
    const trustProxy =
      config.trustProxy === undefined
        ? {}
        : {
            // Fastify counts hops with a function where Express takes a number.
            trustProxy:
              typeof config.trustProxy === 'number'
                ? (_addr: string, hop: number) => hop < (config.trustProxy as number)
                : config.trustProxy,
          };
    app = await NestFactory.create(root, new FastifyAdapter(trustProxy), options);
  } else {
    const express = await NestFactory.create<NestExpressApplication>(root, options);
    express.disable('x-powered-by');
    if (config.trustProxy !== undefined) express.set('trust proxy', config.trustProxy);
    app = express;
  }
  app.enableShutdownHooks();
  return app;
}
