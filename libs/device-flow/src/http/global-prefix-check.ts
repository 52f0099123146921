import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import {
  DEVICE_FLOW_OPTIONS,
  DEVICE_FLOW_ROUTES,
  DEVICE_FLOW_VERIFICATION_PATH,
} from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';

/** An excluded route as Nest keeps it (`setGlobalPrefix(prefix, { exclude })`): matched on the unprefixed path. */
interface ExcludedRoute {
  pathRegex?: { test(path: string): boolean };
}

/**
 * The module's routes that the app's global prefix moves away from where the module advertises them, or an
 * empty list. A prefix equal to the issuer's path is how an issuer with a path is served (README › Issuer with
 * a path); any other prefix also prefixes every route not excluded from it, while the metadata (RFC 8414 §2),
 * `verification_uri` (RFC 8628 §3.2) and the page's own links still say where the route was without it.
 *
 * @param prefix `getGlobalPrefix()`, as the app set it (`'api'`, `'/api/'`, or `''` for none)
 * @param excluded the excluded routes of `setGlobalPrefix`'s options
 * @param paths the module's route paths (without issuer path or prefix)
 * @param issuerPath the issuer's path (`''` or `/auth`)
 */
export function routesMovedByPrefix(
  prefix: string,
  excluded: readonly ExcludedRoute[],
  paths: readonly string[],
  issuerPath: string,
): string[] {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (!trimmed) return [];
  if (`/${trimmed}`.toLowerCase() === issuerPath.toLowerCase()) return [];
  return paths.filter(
    (path) =>
      !excluded.some(
        (route) => typeof route.pathRegex?.test === 'function' && route.pathRegex.test(path),
      ),
  );
}

/**
 * Warns at start-up when `app.setGlobalPrefix()` moved the module's routes from the addresses its metadata and
 * device authorization responses give: clients would get 404s with nothing logged. Says what to do instead.
 */
@Injectable()
export class GlobalPrefixCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('DeviceFlow');

  constructor(
    @Inject(ApplicationConfig) private readonly config: ApplicationConfig,
    @Inject(DEVICE_FLOW_ROUTES) private readonly routes: DeviceFlowRoutes,
    @Inject(DEVICE_FLOW_VERIFICATION_PATH) private readonly pagePath: string | null,
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
  ) {}

  onApplicationBootstrap(): void {
    const prefix = this.config.getGlobalPrefix();
    const excluded = (this.config.getGlobalPrefixOptions().exclude ?? []) as ExcludedRoute[];
    const paths = [...Object.values(this.routes), ...(this.pagePath ? [this.pagePath] : [])];
    const moved = routesMovedByPrefix(prefix, excluded, paths, this.options.issuerPath);
    if (moved.length === 0) return;
    const p = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
    const shown = moved.slice(0, 3).map((path) => `${path} → ${p}${path}`);
    this.logger.warn(
      `the app's global prefix '${p}' moves the module's routes (${shown.join(', ')}${moved.length > 3 ? ', …' : ''}) ` +
        `away from the addresses the metadata and device authorization responses give for the issuer ` +
        `${this.options.issuer}: clients will get 404. Give the issuer that path (${new URL(this.options.issuer).origin}${p}) ` +
        `or exclude the module's routes from the prefix (setGlobalPrefix('${p.slice(1)}', { exclude: [...] }))`,
    );
  }
}
