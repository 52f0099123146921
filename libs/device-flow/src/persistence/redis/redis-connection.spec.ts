import { describe, expect, it, vi } from 'vitest';
import { DeviceFlowConfigurationError } from '../../device-flow-configuration.error.js';
import { DeviceFlowRedis, loadIoredis } from './redis-connection.js';

describe('loading ioredis (an optional peer dependency)', () => {
  it('not installed: a configuration error that says what to install', async () => {
    const missing = () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package 'ioredis'"), { code: 'ERR_MODULE_NOT_FOUND' }),
      );
    const failure = await loadIoredis(missing).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DeviceFlowConfigurationError);
    expect((failure as Error).message).toBe(
      "DeviceFlowModule: storage 'redis' needs the ioredis package (an optional peer dependency), which could " +
        "not be loaded (Cannot find package 'ioredis'): npm install ioredis",
    );
  });

  it('any other failure as it is', async () => {
    const broken = new Error('boom');
    await expect(loadIoredis(() => Promise.reject(broken))).rejects.toBe(broken);
    // Installed, but a package it needs is not: that package is what to fix, not ioredis.
    const dependencyMissing = Object.assign(
      new Error(
        "Cannot find package 'cluster-key-slot' imported from /app/node_modules/ioredis/built/cluster/index.js",
      ),
      { code: 'ERR_MODULE_NOT_FOUND' },
    );
    await expect(loadIoredis(() => Promise.reject(dependencyMissing))).rejects.toBe(
      dependencyMissing,
    );
  });

  it('installed: the package', async () => {
    expect(typeof (await loadIoredis(() => import('ioredis'))).Redis).toBe('function');
  });

  it('is not needed for a client of your own', async () => {
    const client = { quit: vi.fn() } as never;
    expect((await DeviceFlowRedis.connect({ client })).client).toBe(client);
  });
});
