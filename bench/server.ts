import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createDemoApp } from '../src/create-app.js';
import { readDemoConfig } from '../src/demo.config.js';
import { BenchAppModule } from './bench-app.module.js';
import { startProfiler } from './profiler.js';

/**
 * The benchmark's server: the demo app (same module, options and platform set-up as `npm start`) plus the
 * bench-only routes, on an ephemeral port. Prints `BENCH_READY <port>` when listening.
 */
async function main(): Promise<void> {
  if (process.env.BENCH_PROFILE_DIR) await startProfiler(process.env.BENCH_PROFILE_DIR);
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
