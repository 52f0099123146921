import { describe, expect, it } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { readDemoConfig } from '../../src/demo.config.js';

describe('demo configuration for production', () => {
  it('REDIS_URL switches device codes to Redis; TRUST_PROXY takes a hop count or a name', () => {
    const config = readDemoConfig({ REDIS_URL: 'redis://cache:6379/2', TRUST_PROXY: '2' });
    expect(config).toMatchObject({ redisUrl: 'redis://cache:6379/2', trustProxy: 2 });
    expect(readDemoConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
    expect(readDemoConfig({})).toMatchObject({ redisUrl: undefined, trustProxy: undefined });

    const module = AppModule.forConfig(config);
    const options = JSON.stringify(module.imports);
    expect(options).toContain('"storage":"redis"');
    expect(options).toContain('redis://cache:6379/2');
    expect(JSON.stringify(AppModule.forConfig(readDemoConfig({})).imports)).not.toContain('redis');
  });
});
