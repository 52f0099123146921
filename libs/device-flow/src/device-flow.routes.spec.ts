import { describe, expect, it } from 'vitest';
import { DeviceFlowConfigurationError } from './device-flow-configuration.error.js';
import { DEFAULT_ROUTES, resolveRoutes } from './device-flow.routes.js';

const fails = (run: () => unknown, message: RegExp) => {
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DeviceFlowConfigurationError);
  expect((error as Error).message).toMatch(message);
};

describe('resolveRoutes', () => {
  it('fills in the defaults, which clash with nothing, the default page included', () => {
    expect(resolveRoutes(undefined, '/device')).toEqual(DEFAULT_ROUTES);
    expect(resolveRoutes({ token: '/t' }, null).token).toBe('/t');
  });

  it('refuses a path that is not one, as a DeviceFlowConfigurationError', () => {
    fails(
      () => resolveRoutes({ token: 'oauth/token' }),
      /^DeviceFlowModule: routes.token must be a path like \/oauth\/token, got oauth\/token$/,
    );
    fails(() => resolveRoutes({ token: '' }), /routes.token must be a path/);
    fails(() => resolveRoutes({ jwks: 7 as never }), /routes.jwks must be a path .*, got 7/);
  });

  it('refuses two endpoints on one path, in any letter case or with a trailing slash', () => {
    fails(
      () => resolveRoutes({ revocation: '/oauth/token' }),
      /routes.revocation and routes.token are the same path \(\/oauth\/token\)/,
    );
    fails(
      () => resolveRoutes({ jwks: '/OAuth/Introspect/' }),
      /routes.jwks and routes.introspection/,
    );
  });

  it('refuses an endpoint on the verification page or one of its pages', () => {
    fails(
      () => resolveRoutes({ token: '/device' }, '/device'),
      /routes.token \(\/device\) is the path of the verification page \(\/device\)/,
    );
    fails(
      () => resolveRoutes({ token: '/Activate/decision' }, '/activate'),
      /routes.token \(\/Activate\/decision\) is a page of the verification page \(\/activate\)/,
    );
    // A GET endpoint one segment below the page meets its status pages (GET <page>/<status>).
    fails(() => resolveRoutes({ jwks: '/device/jwks' }, '/device'), /routes.jwks .* is a page of/);
    fails(() => resolveRoutes({ metadata: '/meta' }, '/'), /routes.metadata .* is a page of/);
    // A POST endpoint there does not: the page only shows pages with GET, and takes POST at decision.
    expect(resolveRoutes({ token: '/device/token' }, '/device').token).toBe('/device/token');
    expect(resolveRoutes({ token: '/token', revocation: '/revoke' }, '/').token).toBe('/token');
    // Deeper paths are not the page's: served by the endpoint alone.
    expect(resolveRoutes({ jwks: '/device/oauth/jwks' }, '/device').jwks).toBe(
      '/device/oauth/jwks',
    );
    expect(resolveRoutes(undefined, '/').token).toBe('/oauth/token');
  });
});
