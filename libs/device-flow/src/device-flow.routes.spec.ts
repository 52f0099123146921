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
    fails(() => resolveRoutes({ token: '/token' }, '/'), /is a page of the verification page/);
    // Deeper paths are not the page's: served by the endpoint alone.
    expect(resolveRoutes({ token: '/device/oauth/token' }, '/device').token).toBe(
      '/device/oauth/token',
    );
    expect(resolveRoutes(undefined, '/').token).toBe('/oauth/token');
  });
});
