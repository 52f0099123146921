import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  DEVICE_FLOW_OPTIONS,
  type ResolvedDeviceFlowOptions,
} from '../libs/device-flow/src/index.js';
import type { DemoConfig } from './demo.config.js';
import { answerClientErrorsAsJson } from './client-errors.js';
import { fastifyFrameworkErrors } from './fastify-framework-errors.js';
import { formWithoutProto, jsonWithEmptyObject } from './fastify-form-parser.js';

/** How long a client may take to send a whole request: Node's default (`http.Server#requestTimeout`). */
export const REQUEST_TIMEOUT_MS = 300_000;

/**
 * Creates the demo's Nest application on the configured HTTP platform, with the same options on both: raw bodies
 * kept for the form parser, no `X-Powered-By`, `TRUST_PROXY` applied, every route under the issuer's path,
 * requests Node cannot parse answered in the demo's JSON shape, shutdown hooks on. The benchmark starts its server through this too, so it measures what `npm start` runs.
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
    // Routed as Express routes them: a trailing slash ignored, paths in any letter case (parameters keep
    // theirs), path parameters as long as the app allows (its own checks answer), URLs Fastify cannot decode
    // answered in the app's shapes, not Fastify's; form bodies parsed as Express does (src/fastify-form-parser.ts).
    let created: INestApplication | undefined;
    const adapter = new FastifyAdapter({
      ...trustProxy,
      // Node's own limit on receiving a whole request, as on Express: Fastify's default (0) turns it off, so a
      // client announcing a body it never sends would hold its connection (and the socket) for ever.
      requestTimeout: REQUEST_TIMEOUT_MS,
      // A request arriving while the app shuts down is answered (with `Connection: close`), as on Express, not
      // refused with Fastify's own 503 body: the module's stores stay open until the HTTP server has stopped.
      return503OnClosing: false,
      routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 16_384 },
      frameworkErrors: fastifyFrameworkErrors(() => created),
    });
    const fastify = await NestFactory.create<NestFastifyApplication>(root, adapter, options);
    fastify.useBodyParser('application/x-www-form-urlencoded', {}, formWithoutProto);
    // Fastify's own JSON parser reads the buffer Nest hands it (as Nest's default JSON parser does).
    const defaultJson = fastify
      .getHttpAdapter()
      .getInstance()
      .getDefaultJsonParser('error', 'error') as unknown as Parameters<
      typeof jsonWithEmptyObject
    >[0];
    fastify.useBodyParser('application/json', {}, jsonWithEmptyObject(defaultJson));
    app = created = fastify;
  } else {
    const express = await NestFactory.create<NestExpressApplication>(root, options);
    express.disable('x-powered-by');
    if (config.trustProxy !== undefined) express.set('trust proxy', config.trustProxy);
    app = express;
  }
  serveUnderIssuerPath(app);
  answerClientErrorsAsJson(app.getHttpServer());
  app.enableShutdownHooks();
  return app;
}

/**
 * Serves every route of the app under the issuer's path, as the module's URLs say: `ISSUER=https://host/auth`
 * → `/auth/oauth/token`, `/auth/device`, `/auth/login`, `/auth/api`, `/auth/admin`, `/auth/docs`. A global
 * prefix, identical on Express and Fastify; the module serves the RFC 8414 §3.1 metadata location
 * (`/.well-known/oauth-authorization-server/auth`) itself, outside any prefix. Nothing changes for an issuer
 * without a path. Call before `init()` / `listen()`.
 */
export function serveUnderIssuerPath(app: INestApplication): void {
  const { issuerPath } = app.get<symbol, ResolvedDeviceFlowOptions>(DEVICE_FLOW_OPTIONS);
  if (issuerPath) app.setGlobalPrefix(issuerPath);
}
