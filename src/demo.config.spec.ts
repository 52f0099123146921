import { describe, expect, it } from 'vitest';
import { readDemoConfig } from './demo.config.js';

describe('readDemoConfig', () => {
  it('has the documented defaults', () => {
    expect(readDemoConfig({})).toMatchObject({
      port: 3000,
      issuer: 'http://localhost:3000',
      databaseUrl: undefined,
      expiresIn: undefined,
      interval: undefined,
      hashSecret: 'demo-only-hash-secret-change-me',
    });
  });

  it('reads every documented variable', () => {
    expect(
      readDemoConfig({
        PORT: '8080',
        ISSUER: 'https://auth.example.com',
        DATABASE_URL: 'postgres://u@h/db',
        DEVICE_FLOW_EXPIRES_IN: '600',
        DEVICE_FLOW_INTERVAL: '3',
        DEVICE_FLOW_HASH_SECRET: 'a-long-enough-secret',
      }),
    ).toMatchObject({
      port: 8080,
      issuer: 'https://auth.example.com',
      databaseUrl: 'postgres://u@h/db',
      expiresIn: 600,
      interval: 3,
      hashSecret: 'a-long-enough-secret',
    });
  });

  it('derives the issuer from PORT and treats empty values as unset', () => {
    expect(readDemoConfig({ PORT: '4000' }).issuer).toBe('http://localhost:4000');
    expect(
      readDemoConfig({ PORT: '', ISSUER: '', DATABASE_URL: '', DEVICE_FLOW_INTERVAL: '' }),
    ).toMatchObject({
      port: 3000,
      issuer: 'http://localhost:3000',
      databaseUrl: undefined,
      interval: undefined,
    });
  });

  it('refuses numbers that are not whole or ports out of range, naming the variable', () => {
    expect(() => readDemoConfig({ PORT: 'abc' })).toThrow(/PORT must be a whole number, got abc/);
    expect(() => readDemoConfig({ PORT: '70000' })).toThrow(/PORT must be from 0 to 65535/);
    expect(() => readDemoConfig({ PORT: '-1' })).toThrow(/PORT/);
    expect(() => readDemoConfig({ DEVICE_FLOW_INTERVAL: '2.5' })).toThrow(/DEVICE_FLOW_INTERVAL/);
    expect(() => readDemoConfig({ DEVICE_FLOW_EXPIRES_IN: '10m' })).toThrow(
      /DEVICE_FLOW_EXPIRES_IN/,
    );
  });

  it('refuses a REDIS_URL ioredis cannot use, naming the variable but not repeating the value', () => {
    for (const bad of [
      'http://127.0.0.1:6379',
      'http://:S3cr3t@cache.internal:6379',
      'redis://',
      'redis:',
      'not a url',
      'user:S3cr3t@cache:6379',
      'cache:port',
      'localhost:70000',
      'localhost:0',
      '[1.2.3.4]:6379',
      '[:]:6379',
      '//:S3cr3t@cache:6379',
    ]) {
      expect(() => readDemoConfig({ REDIS_URL: bad }), bad).toThrow(
        /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL \(redis:\/\/host:6379\/0\), host:port or a Unix socket path$/,
      );
    }
    for (const good of [
      'redis://127.0.0.1:6379',
      'redis://:S3cr3t@127.0.0.1:6379/5',
      'rediss://cache.example:6380',
      '127.0.0.1:6379',
      'redis-host',
      '[::1]:6379',
      'redis_cache:6379',
      '/var/run/redis/redis.sock',
    ])
      expect(readDemoConfig({ REDIS_URL: good }).redisUrl).toBe(good);
  });

  it('refuses a TRUST_PROXY list Express and Fastify would refuse, naming the variable', () => {
    for (const bad of [
      'garbage',
      '10.0.0.0/33',
      '::1/129',
      '10.0.0.1,',
      '10.0.0.0/8/8',
      '10.0.0.0/ffff::',
      'LOOPBACK',
      '1.2.3',
      '0.0.0.0/0',
      '::/0',
      '10.0.0.0/255.0.255.0',
      '10.0.0.0/0.0.0.0',
      '::1/ffff::',
    ])
      expect(() => readDemoConfig({ TRUST_PROXY: bad }), bad).toThrow(
        /^TRUST_PROXY must be true, false, a hop count, or a comma-separated list .* got /,
      );
    for (const good of [
      'loopback',
      'loopback, 10.0.0.0/8',
      '10.0.0.1',
      '10.0.0.0/255.0.0.0',
      '::1/128',
      'fd00::/8, uniquelocal,linklocal',
      '10.0.0.0/255.255.255.255',
      '192.168.0.0/255.255.128.0',
      '10.0.0.0/008',
    ])
      expect(readDemoConfig({ TRUST_PROXY: good }).trustProxy).toBe(good);
  });
});
