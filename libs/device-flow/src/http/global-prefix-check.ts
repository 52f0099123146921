import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  RequestMethod,
} from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import {
  DEVICE_FLOW_OPTIONS,
  DEVICE_FLOW_ROUTES,
  DEVICE_FLOW_VERIFICATION_PATH,
} from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';
import { VERIFICATION_STATUSES } from '../verification/verification.view.js';
import { DeviceFlowPaths } from './module-paths.js';

/**
 * An excluded route as Nest keeps it (`setGlobalPrefix(prefix, { exclude })`): matched on the unprefixed path,
 * for one method or all.
 */
interface ExcludedRoute {
  pathRegex?: { test(path: string): boolean };
  requestMethod?: RequestMethod | -1;
}

/** A route of the module and the methods it serves. */
export interface ModuleRoute {
  path: string;
  methods: readonly RequestMethod[];
}

/** Whether the global prefix leaves `path` out for `method`. */
function excludedFor(excluded: readonly ExcludedRoute[], path: string, method: RequestMethod) {
  return excluded.some(
    (route) =>
      (route.requestMethod === undefined ||
        route.requestMethod === RequestMethod.ALL ||
        route.requestMethod === -1 ||
        route.requestMethod === method) &&
      typeof route.pathRegex?.test === 'function' &&
      route.pathRegex.test(path),
  );
}

/**
 * The module's routes that the app's global prefix serves somewhere else than the module advertises them, or an
 * empty list. A prefix equal to the issuer's path (exactly: Fastify matches case) is how an issuer with a path
 * is served (README › Issuer with a path): then a route excluded from it, for any of its methods, is outside
 * the advertised path. Any other prefix prefixes every route not excluded from it, while the metadata (RFC 8414
 * §2), `verification_uri` (RFC 8628 §3.2) and the page's own links still say where it was without it.
 *
 * @param prefix `getGlobalPrefix()`, as the app set it (`'api'`, `'/api/'`, or `''` for none)
 * @param excluded the excluded routes of `setGlobalPrefix`'s options
 * @param routes the module's routes (without issuer path or prefix) and their methods
 * @param issuerPath the issuer's path (`''` or `/auth`)
 * @param caseSensitive whether the router tells `/Auth` from `/auth` (Fastify by default; Express does not)
 */
export function routesMovedByPrefix(
  prefix: string,
  excluded: readonly ExcludedRoute[],
  routes: readonly ModuleRoute[],
  issuerPath: string,
  caseSensitive = true,
): string[] {
  const fold = (path: string) => (caseSensitive ? path : path.toLowerCase());
  const trimmed = fold(prefix.replace(/^\/+|\/+$/g, ''));
  const expected = fold(issuerPath.replace(/^\/+|\/+$/g, ''));
  if (!trimmed && !expected) return [];
  const underPrefix = (route: ModuleRoute, m: RequestMethod) =>
    trimmed !== '' && !excludedFor(excluded, route.path, m);
  // Where a route is served must be where it is advertised, for every method it serves.
  const wanted = trimmed !== '' && trimmed === expected;
  const moved = routes.filter((route) =>
    route.methods.some((m) => underPrefix(route, m) !== wanted),
  );
  // An issuer path with no prefix at all is served by a proxy that strips it: nothing to say.
  return trimmed ? moved.map((r) => r.path) : [];
}

/**
 * Warns at start-up when `app.setGlobalPrefix()` serves the module's routes elsewhere than its metadata and
 * device authorization responses say: clients would get 404s with nothing logged. Says what to do instead.
 */
@Injectable()
export class GlobalPrefixCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('DeviceFlow');

  constructor(
    @Inject(ApplicationConfig) private readonly config: ApplicationConfig,
    @Inject(DEVICE_FLOW_ROUTES) private readonly routes: DeviceFlowRoutes,
    @Inject(DEVICE_FLOW_VERIFICATION_PATH) private readonly pagePath: string | null,
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    @Inject(DeviceFlowPaths) private readonly paths: DeviceFlowPaths,
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
  ) {}

  /** Every route the module mounts, with its methods (the page's own addresses below it included). */
  private moduleRoutes(): ModuleRoute[] {
    const routes: ModuleRoute[] = Object.values(this.routes).map((path) => ({
      path,
      methods: [this.paths.endpointMethod(path) === 'GET' ? RequestMethod.GET : RequestMethod.POST],
    }));
    const page = this.pagePath;
    if (page) {
      const below = page === '/' ? '' : page;
      routes.push(
        { path: page, methods: [RequestMethod.GET, RequestMethod.POST] },
        { path: `${below}/consent`, methods: [RequestMethod.GET] },
        { path: `${below}/decision`, methods: [RequestMethod.POST] },
        { path: `${below}/style.css`, methods: [RequestMethod.GET] },
        ...VERIFICATION_STATUSES.map((s) => ({
          path: `${below}/${s}`,
          methods: [RequestMethod.GET],
        })),
      );
    }
    return routes;
  }

  onApplicationBootstrap(): void {
    const prefix = this.config.getGlobalPrefix();
    const excluded = (this.config.getGlobalPrefixOptions().exclude ?? []) as ExcludedRoute[];
    const { issuerPath, issuer } = this.options;
    // Express matches paths in any letter case; Fastify (and anything else) is taken to match case.
    const caseSensitive = this.host.httpAdapter?.getType() !== 'express';
    const moved = routesMovedByPrefix(
      prefix,
      excluded,
      this.moduleRoutes(),
      issuerPath,
      caseSensitive,
    );
    if (moved.length === 0) return;
    const p = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
    const shown = moved.slice(0, 3).join(', ') + (moved.length > 3 ? ', …' : '');
    if (caseSensitive ? p === issuerPath : p.toLowerCase() === issuerPath.toLowerCase()) {
      this.logger.warn(
        `the module's routes ${shown} are excluded from the app's global prefix '${p}', the issuer's path: ` +
          `they are served outside it, where the metadata and device authorization responses for the issuer ` +
          `${issuer} do not send clients (404). Remove them from the prefix's exclude.`,
      );
      return;
    }
    this.logger.warn(
      `the app's global prefix '${p}' moves the module's routes (${moved
        .slice(0, 3)
        .map((path) => `${path} → ${p}${path}`)
        .join(
          ', ',
        )}${moved.length > 3 ? ', …' : ''}) away from the addresses the metadata and device ` +
        `authorization responses give for the issuer ${issuer}: clients will get 404. Give the issuer that ` +
        `path (${new URL(issuer).origin}${p}) or exclude the module's routes from the prefix, for every ` +
        `method (setGlobalPrefix('${p.slice(1)}', { exclude: [...] }))`,
    );
  }
}
