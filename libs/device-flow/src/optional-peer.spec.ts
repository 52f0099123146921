import { describe, expect, it } from 'vitest';
import { isPackageMissing } from './optional-peer.js';

describe('isPackageMissing', () => {
  const notFound = (message: string) =>
    Object.assign(new Error(message), { code: 'ERR_MODULE_NOT_FOUND' });

  it('is the package itself not found', async () => {
    const real = await import('no-such-package-for-this-test' as string).catch((e: unknown) => e);
    expect(isPackageMissing(real, 'no-such-package-for-this-test')).toBe(true);
    expect(
      isPackageMissing(
        notFound("Cannot find package '@nestjs/swagger' imported from /a.js"),
        '@nestjs/swagger',
      ),
    ).toBe(true);
  });

  it('is not a package it imports, a broken install, another error or another package', () => {
    expect(
      isPackageMissing(
        notFound(
          "Cannot find package 'swagger-ui-dist' imported from /n/@nestjs/swagger/dist/x.js",
        ),
        '@nestjs/swagger',
      ),
    ).toBe(false);
    expect(
      isPackageMissing(
        notFound("Cannot find module '/n/ioredis/built/index.js' imported from /a.js"),
        'ioredis',
      ),
    ).toBe(false);
    expect(isPackageMissing(new Error("Cannot find package 'ioredis'"), 'ioredis')).toBe(false);
    expect(isPackageMissing(notFound("Cannot find package 'ioredis-mock'"), 'ioredis')).toBe(false);
    expect(isPackageMissing(undefined, 'ioredis')).toBe(false);
  });
});
