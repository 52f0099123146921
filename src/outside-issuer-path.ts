import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  DEVICE_FLOW_OPTIONS,
  type ResolvedDeviceFlowOptions,
} from '../libs/device-flow/src/index.js';

/** The part of an Express app this uses (typed here: the demo may run on Fastify without Express types). */
interface ExpressApp {
  use(handler: (req: unknown, res: ExpressResponse) => void): unknown;
}
interface ExpressResponse {
  status(code: number): ExpressResponse;
  set(name: string, value: string): ExpressResponse;
  json(body: unknown): unknown;
}

/**
 * With an issuer that has a path, the demo serves everything under it (a global prefix), and Nest answers
 * unknown routes only there on Express (its not-found handler is mounted under the prefix): a request outside
 * the path would get Express's own HTML "Cannot GET". Registered once Nest has set up its routes and handlers,
 * this answers those as the rest of the demo does — `404 {"error":"not_found","error_description":"no such
 * route"}`, `no-store` — as Fastify's app-wide not-found handler already does. Nothing on Fastify, or without a
 * path.
 */
@Injectable()
export class OutsideIssuerPath implements OnApplicationBootstrap {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.host.httpAdapter;
    if (!adapter || adapter.getType() !== 'express' || !this.options.issuerPath) return;
    adapter.getInstance<ExpressApp>().use((_req, res) => {
      res
        .status(404)
        .set('Cache-Control', 'no-store')
        .json({ error: 'not_found', error_description: 'no such route' });
    });
  }
}
