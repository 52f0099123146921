import { Inject, Injectable } from '@nestjs/common';
import {
  DEVICE_FLOW_OPTIONS,
  DEVICE_FLOW_ROUTES,
  DEVICE_FLOW_VERIFICATION_PATH,
} from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions } from '../device-flow.options.js';
import type { DeviceFlowRoutes } from '../device-flow.routes.js';
import { VERIFICATION_STATUSES } from '../verification/verification.view.js';

/** The endpoints served by GET (and HEAD); the others take POST only. */
const GET_ENDPOINTS: ReadonlySet<keyof DeviceFlowRoutes> = new Set([
  'metadata',
  'jwks',
  'verificationQr',
]);

/**
 * The verification page's addresses below its mount path and the methods each serves (HEAD follows GET); the
 * page itself takes GET and POST.
 */
type PageMethods = readonly ('GET' | 'POST')[];
const PAGE_METHODS: ReadonlyMap<string, PageMethods> = new Map<string, PageMethods>([
  ['/style.css', ['GET']],
  ['/consent', ['GET']],
  ['/decision', ['POST']],
  ...VERIFICATION_STATUSES.map((s): [string, PageMethods] => [`/${s}`, ['GET']]),
]);

/** As Express matches routes: any letter case, trailing slashes ignored. */
export function normalizePath(path: string): string {
  return path.toLowerCase().replace(/\/+$/, '') || '/';
}

/**
 * Which request paths belong to this module instance, as requests reach them: its OAuth endpoints (whose errors
 * are RFC 6749 §5.2 JSON) and its verification page (whose errors are HTML pages). Matched as Express matches
 * routes (any letter case, a trailing slash ignored), with or without the issuer's path in front: a global
 * prefix serves the module under it, a proxy that strips it does not (RFC 8414 §2). (The RFC 8414 §3.1 metadata
 * location of an issuer with a path is a plain GET route on the platform, answering nothing else, so not one.)
 *
 * For host code that shapes errors app-wide (a global exception filter, Fastify's `frameworkErrors`) and must
 * leave the module's paths to the module.
 */
@Injectable()
export class DeviceFlowPaths {
  /** The OAuth endpoints' paths as mounted (routes), normalised. */
  readonly endpoints: ReadonlySet<string>;
  /** The one method each endpoint serves (HEAD follows GET), by normalised path. */
  private readonly methods: ReadonlyMap<string, 'GET' | 'POST'>;
  /**
   * Where browsers reach the verification page: the issuer's path plus the mount path (`/auth/device`), `''`
   * for a page mounted at the root of an issuer without a path; null when the module mounts no page.
   */
  readonly verificationPage: string | null;
  private readonly issuerPath: string;

  constructor(
    @Inject(DEVICE_FLOW_ROUTES) routes: DeviceFlowRoutes,
    @Inject(DEVICE_FLOW_VERIFICATION_PATH) private readonly pagePath: string | null,
    @Inject(DEVICE_FLOW_OPTIONS) options: Pick<ResolvedDeviceFlowOptions, 'issuerPath'>,
  ) {
    this.endpoints = new Set(Object.values(routes).map(normalizePath));
    this.methods = new Map(
      (Object.entries(routes) as [keyof DeviceFlowRoutes, string][]).map(([name, path]) => [
        normalizePath(path),
        GET_ENDPOINTS.has(name) ? 'GET' : 'POST',
      ]),
    );
    this.issuerPath = options.issuerPath.toLowerCase();
    this.verificationPage =
      pagePath === null ? null : options.issuerPath + (pagePath === '/' ? '' : pagePath);
  }

  /** Whether a request path (query ignored) is one of the module's OAuth endpoints. */
  isEndpoint(requestPath: string): boolean {
    return this.endpointMethod(requestPath) !== null;
  }

  /**
   * The method the endpoint at a request path serves (`GET` for metadata, JWKS and the QR code, `POST` for the
   * rest), or null when the path is none of the module's endpoints: what a `405`'s `Allow` says.
   */
  endpointMethod(requestPath: string): 'GET' | 'POST' | null {
    const path = normalizePath(withoutQuery(requestPath));
    for (const base of this.bases()) {
      if (base && !path.startsWith(base + '/')) continue;
      const method = this.methods.get(path.slice(base.length));
      if (method) return method;
    }
    return null;
  }

  /** Whether a request path (query ignored) is the verification page's or below it. */
  isVerificationPage(requestPath: string): boolean {
    if (this.pagePath === null) return false;
    const path = normalizePath(withoutQuery(requestPath));
    const page = this.pagePath.toLowerCase();
    return this.bases().some((base) =>
      page === '/'
        ? path === (base || '/') || path === `${base}/decision`
        : path === base + page || path.startsWith(base + page + '/'),
    );
  }

  /**
   * The methods the verification page serves at a request path (HEAD follows GET), or null when no page is
   * there: what a `405`'s `Allow` says, and whether an address on the page's paths is a `404`. A page mounted
   * at the root claims only `/` and `/decision` (as {@link isVerificationPage}).
   */
  pageMethods(requestPath: string): PageMethods | null {
    if (this.pagePath === null) return null;
    const path = normalizePath(withoutQuery(requestPath));
    const page = this.pagePath.toLowerCase();
    for (const base of this.bases()) {
      const mount = page === '/' ? base : base + page;
      if (path === (mount || '/')) return ['GET', 'POST'];
      if (!path.startsWith(mount + '/')) continue;
      const rest = path.slice(mount.length);
      if (page === '/' && rest !== '/decision') continue;
      const methods = PAGE_METHODS.get(rest);
      if (methods) return methods;
    }
    return null;
  }

  /** Whether a request path is the module's: an endpoint or the verification page. */
  owns(requestPath: string): boolean {
    return this.isEndpoint(requestPath) || this.isVerificationPage(requestPath);
  }

  /** Prefixes a request may carry in front of the module's paths: none, and the issuer's path if it has one. */
  private bases(): string[] {
    return this.issuerPath ? ['', this.issuerPath] : [''];
  }
}

function withoutQuery(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}
