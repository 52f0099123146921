import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDemoApp } from '../src/create-app.js';
import { readDemoConfig } from '../src/demo.config.js';
import { BenchAppModule } from './bench-app.module.js';

/**
 * The benchmark's server: the demo app (same module, options and platform set-up as `npm start`) plus the
 * bench-only routes, on an ephemeral port. Prints `BENCH_READY <port>` when listening.
 */
/**
 * With `BENCH_PROFILE_DIR` set, the V8 CPU profiler runs from start; each SIGUSR2 writes what it gathered since
 * the last one to `<dir>/<n>.cpuprofile` (open in Chrome DevTools) and starts again. The orchestrator sends one
 * after each scenario (`npm run bench -- --profile`).
 */
async function profileOnSignal(dir: string): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  let n = 0;
  process.on('SIGUSR2', () => {
    void (async () => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${++n}.cpuprofile`), JSON.stringify(profile));
      await session.post('Profiler.start');
      process.stdout.write(`BENCH_PROFILED ${n}\n`);
    })();
  });
}

async function main(): Promise<void> {
  if (process.env.BENCH_PROFILE_DIR) await profileOnSignal(process.env.BENCH_PROFILE_DIR);
  const config = readDemoConfig();
  const app = await createDemoApp(BenchAppModule.forConfig(config), config, false);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  process.stdout.write(`BENCH_READY ${port}\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
