import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock/clock.js';
import {
  type DeviceFlowModuleOptions,
  DeviceFlowConfigurationError,
  resolveDeviceFlowOptions,
} from './device-flow.options.js';

const issuer = 'https://auth.example.com';
const resolve = (o: Partial<DeviceFlowModuleOptions>) =>
  resolveDeviceFlowOptions({ issuer, ...o } as DeviceFlowModuleOptions);
const fails = (o: Partial<DeviceFlowModuleOptions>, message: RegExp) => {
  let error: unknown;
  try {
    resolve(o);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(DeviceFlowConfigurationError);
  expect((error as Error).message).toMatch(/^DeviceFlowModule: /);
  expect((error as Error).message).toMatch(message);
};

describe('resolveDeviceFlowOptions', () => {
  it('applies the documented defaults', () => {
    const clock = new ManualClock();
    const o = resolve({ issuer: 'https://auth.example.com/', clock });
    expect(o).toMatchObject({
      issuer: 'https://auth.example.com',
      verificationUri: 'https://auth.example.com/device',
      verificationUriComplete: true,
      expiresIn: 1800,
      interval: 5,
      pollToleranceMs: 1000,
      userCode: { charset: 'BCDFGHJKLMNPQRSTVWXZ', length: 8, mask: 'XXXX-XXXX' },
      accessTokenTtl: 3600,
      refreshTokenTtl: 2592000,
      clients: [],
      storage: 'typeorm',
      offlineAccessScope: 'offline_access',
      clock,
    });
  });

  it('has digit defaults of 9 characters in groups of three', () => {
    expect(resolve({ userCode: { charset: 'digits' } }).userCode).toEqual({
      charset: '0123456789',
      length: 9,
      mask: 'XXX-XXX-XXX',
    });
  });

  it('accepts an absolute verification URI as is', () => {
    expect(resolve({ verificationUri: 'https://example.com/activate' }).verificationUri).toBe(
      'https://example.com/activate',
    );
  });

  it('requires options and an absolute http(s) issuer without query or fragment', () => {
    expect(() => resolveDeviceFlowOptions(undefined as never)).toThrow(/options are required/);
    fails({ issuer: undefined }, /issuer is required/);
    fails({ issuer: 'auth.example.com' }, /issuer must be an absolute URL/);
    fails({ issuer: 'ftp://auth.example.com' }, /issuer must be an http\(s\) URL/);
    fails({ issuer: 'https://a.example.com/?x=1' }, /query or fragment \(RFC 8414 §2\)/);
    fails({ issuer: 'https://a.example.com/#x' }, /query or fragment/);
  });

  it('bounds expiresIn and interval (interval < 1 s is refused)', () => {
    fails({ expiresIn: 5 }, /expiresIn must be a whole number of seconds from 10 to 86400, got 5/);
    fails({ expiresIn: 86401 }, /expiresIn must be/);
    fails({ expiresIn: 60.5 }, /expiresIn must be/);
    fails({ interval: 0 }, /interval must be a whole number of seconds from 1 to 300, got 0/);
    fails({ interval: 0.5 }, /interval must be/);
    fails({ interval: 301 }, /interval must be/);
    // A value read from the environment and not converted: the message says it got a string.
    fails(
      { expiresIn: '600' as never },
      /expiresIn must be a whole number of seconds from 10 to 86400, got "600" \(a string\)/,
    );
    fails({ interval: '5' as never }, /interval must be .*, got "5" \(a string\)/);
    fails(
      { expiresIn: 10, interval: 10 },
      /expiresIn \(10 s\) must be longer than interval \(10 s\)/,
    );
  });

  it('bounds the poll tolerance below half the interval', () => {
    expect(resolve({ pollTolerance: 0 }).pollToleranceMs).toBe(0);
    fails(
      { pollTolerance: -1 },
      /pollTolerance must be 0 or more and under half the interval \(2500 ms\)/,
    );
    fails({ pollTolerance: 2500 }, /pollTolerance/);
  });

  it('refuses a user code too weak for the lifetime (RFC 8628 §5.1)', () => {
    fails(
      { userCode: { charset: 'digits', length: 8, mask: 'XXXX-XXXX' } },
      /user codes of 8 characters from a 10-symbol alphabet carry 26\.6 bits, too weak for an expiresIn of 1800 s \(needs 26\.8 bits\)/,
    );
    // the same code passes with a shorter lifetime
    expect(
      resolve({ expiresIn: 600, userCode: { charset: 'digits', length: 8, mask: 'XXXX-XXXX' } })
        .userCode.length,
    ).toBe(8);
    fails({ expiresIn: 86400, userCode: { length: 6, mask: 'XXX-XXX' } }, /too weak/);
  });

  it('validates the user code charset, length and mask', () => {
    fails(
      { userCode: { charset: 'abc' } },
      /userCode\.charset must be base20, digits, or at least 2 distinct/,
    );
    fails({ userCode: { charset: 'AAB' } }, /userCode\.charset/);
    fails({ userCode: { charset: 'A' } }, /userCode\.charset/);
    fails({ userCode: { length: 3 } }, /userCode\.length must be from 4 to 32/);
    fails({ userCode: { length: 33 } }, /userCode\.length/);
    fails(
      { userCode: { mask: 'XXX-XXX' } },
      /userCode\.mask "XXX-XXX" must have exactly 8 X characters/,
    );
    fails(
      { userCode: { mask: 'XXXX_XXXX' } },
      /userCode\.mask may contain only X, dashes and spaces/,
    );
    const custom = resolve({
      userCode: { charset: 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789', length: 8 },
    });
    expect(custom.userCode.mask).toBe('XXXX-XXXX');
  });

  it('validates token lifetimes, storage and the database choice', () => {
    fails({ accessTokenTtl: 0 }, /accessTokenTtl must be a positive whole number of seconds/);
    fails({ refreshTokenTtl: 1.5 }, /refreshTokenTtl must be a positive whole number/);
    fails({ accessTokenTtl: '60' as never }, /accessTokenTtl .*, got "60" \(a string\)/);
    fails({ clientCacheTtl: '30' as never }, /clientCacheTtl .*, got "30" \(a string\)/);
    fails({ storage: 'disk' as never }, /storage must be 'typeorm', 'redis' or 'memory'/);
    expect(resolve({ storage: 'redis' }).storage).toBe('redis');
    fails(
      { dataSource: {} as never, database: { type: 'better-sqlite3', database: ':memory:' } },
      /either dataSource or database, not both/,
    );
    // Memory storage does not use a database given with it, and says so.
    const warn = vi.spyOn(Logger.prototype, 'warn');
    try {
      expect(
        resolve({ storage: 'memory', database: { type: 'better-sqlite3', database: ':memory:' } })
          .storage,
      ).toBe('memory');
      expect(warn).toHaveBeenCalledWith(
        "storage 'memory' keeps nothing in a database: the database / dataSource option is not used",
      );
      warn.mockClear();
      resolve({ storage: 'typeorm', database: { type: 'better-sqlite3', database: ':memory:' } });
      expect(warn).not.toHaveBeenCalledWith(expect.stringContaining("storage 'memory'"));
    } finally {
      warn.mockRestore();
    }
  });

  it('takes offline_access as the offline access scope unless told otherwise', () => {
    expect(resolve({ offlineAccessScope: 'stay_signed_in' }).offlineAccessScope).toBe(
      'stay_signed_in',
    );
    expect(resolve({ offlineAccessScope: false }).offlineAccessScope).toBeNull();
    fails(
      { offlineAccessScope: 'a b' },
      /offlineAccessScope must be a scope token \(RFC 6749 §3.3\) or false, got "a b"/,
    );
    fails({ offlineAccessScope: true as never }, /offlineAccessScope must be/);
  });

  it('validates the verification URI', () => {
    fails(
      { verificationUri: 'device' },
      /verificationUri must be a path starting with \/ or an absolute http\(s\) URL, got device/,
    );
    fails({ verificationUri: 'javascript:alert(1)' }, /verificationUri/);
  });

  it('validates static clients', () => {
    fails({ clients: {} as never }, /clients must be an array/);
    fails({ clients: [{ clientId: '' }] }, /clientId of 1-255 printable ASCII characters/);
    fails({ clients: [{ clientId: 'a b' }] }, /clientId/);
    fails({ clients: [{ clientId: 'a' }, { clientId: 'a' }] }, /client a is listed twice/);
    fails(
      { clients: [{ clientId: 'a', clientSecret: 'secret-123', clientSecretHash: 'x' }] },
      /client a: give clientSecret or clientSecretHash, not both/,
    );
    fails(
      { clients: [{ clientId: 'a', clientSecret: 'short' }] },
      /client a: clientSecret must be at least 8 characters/,
    );
    fails(
      { clients: [{ clientId: 'a', scopes: ['read write'] }] },
      /client a: scope "read write" is not a valid scope token/,
    );
    fails({ clients: [{ clientId: 'a', scopes: ['a"b'] }] }, /not a valid scope token/);
    // Grant types the module does not serve (a typo would otherwise start and refuse every request).
    fails(
      {
        clients: [{ clientId: 'a', grantTypes: ['urn:ietf:params:oauth:grant-type:device-code'] }],
      },
      /client a: grant type "urn:ietf:params:oauth:grant-type:device-code" \(a string\) is not one this module serves \('urn:ietf:params:oauth:grant-type:device_code' or 'refresh_token'\)/,
    );
    fails({ clients: [{ clientId: 'a', grantTypes: ['password'] }] }, /grant type "password"/);
    fails({ clients: [{ clientId: 'a', grantTypes: [] }] }, /grantTypes must be a non-empty list/);
    expect(
      resolve({ clients: [{ clientId: 'a', grantTypes: ['refresh_token'] }] }).clients,
    ).toHaveLength(1);
  });

  it("advertises the static clients' scopes by default, the given list, or none", () => {
    const clients = [
      { clientId: 'a', scopes: ['read', 'write'] },
      { clientId: 'b' },
      { clientId: 'c', scopes: ['write', 'profile'] },
    ];
    expect(resolve({}).scopesSupported).toEqual([]);
    expect(resolve({ clients }).scopesSupported).toEqual(['read', 'write', 'profile']);
    expect(
      resolve({ clients, scopesSupported: ['openid', 'read', 'openid'] }).scopesSupported,
    ).toEqual(['openid', 'read']);
    expect(resolve({ clients, scopesSupported: false }).scopesSupported).toEqual([]);
    fails({ scopesSupported: 'read' as never }, /scopesSupported must be a list of scope tokens/);
    fails(
      { scopesSupported: ['read write'] },
      /scopesSupported: "read write" is not a valid scope/,
    );
    fails({ scopesSupported: [42 as never] }, /scopesSupported: 42 is not a valid scope token/);
  });

  it('requires a hash secret of at least 16 characters when given', () => {
    fails({ hashSecret: 'short' }, /hashSecret must be at least 16 characters/);
    expect(resolve({ hashSecret: '0123456789abcdef' }).hashSecret).toBe('0123456789abcdef');
  });
});
