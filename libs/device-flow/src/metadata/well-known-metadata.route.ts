import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DEVICE_FLOW_OPTIONS, DEVICE_FLOW_ROUTES } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';
import { MethodNotAllowedError } from '../errors/oauth.errors.js';
import type { HttpRequest, HttpResponse } from '../http/http-exchange.js';
import { setNoStore } from '../http/no-store.js';
import { AuthorizationServerMetadata } from './authorization-server-metadata.js';

/**
 * For an issuer with a path, the metadata at its RFC 8414 §3.1 location: the well-known URI inserted between
 * the host and the path, `https://example.com/auth` → `GET /.well-known/oauth-authorization-server/auth`
 * (`routes.metadata` followed by the issuer's path). Nothing is added for an issuer without a path, whose
 * metadata route is that location already.
 *
 * This URL is outside the issuer's path, under which the host serves the module's controllers (a global
 * prefix, or a proxy that strips the path), so it is registered on the HTTP adapter (Express or Fastify)
 * directly, where no global prefix applies: `app.setGlobalPrefix('auth')` needs no `exclude`. Registered in
 * `onModuleInit`, after the controllers' routes and before the framework's not-found handler. GET (and HEAD)
 * serve the document; POST, PUT, PATCH, DELETE and OPTIONS get `405` with `Allow: GET, HEAD` as OAuth JSON, as on
 * the metadata route itself. A standalone application context (no HTTP adapter) gets nothing.
 *
 * @see RFC 8414 §3.1
 */
@Injectable()
export class WellKnownMetadataRoute implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(DEVICE_FLOW_ROUTES) private readonly routes: DeviceFlowRoutes,
    @Inject(AuthorizationServerMetadata) private readonly metadata: AuthorizationServerMetadata,
  ) {}

  /** The path served, or null when the issuer has no path. */
  get path(): string | null {
    return this.options.issuerPath ? this.routes.metadata + this.options.issuerPath : null;
  }

  onModuleInit(): void {
    const adapter = this.host.httpAdapter;
    const path = this.path;
    if (!adapter || !path) return;
    adapter.get(path, (_req: HttpRequest, res: HttpResponse) => {
      this.metadata.setHeaders(res);
      res.status(200).send(this.metadata.document);
    });
    // Every other method the platforms route gets the metadata endpoint's own answer: 405, Allow: GET, HEAD.
    const refuse = (_req: HttpRequest, res: HttpResponse) => {
      const error = new MethodNotAllowedError('GET');
      setNoStore(res);
      for (const name in error.headers) res.header(name, error.headers[name]);
      res.status(error.status).send(error.toJSON());
    };
    adapter.post(path, refuse);
    adapter.put(path, refuse);
    adapter.patch(path, refuse);
    adapter.delete(path, refuse);
    adapter.options(path, refuse);
  }
}
