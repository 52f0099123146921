#!/usr/bin/env node
/**
 * `device-login` entry point: `npm run device-login -- --server http://localhost:3000 --client-id demo-device`.
 * Ctrl-C (SIGINT) or SIGTERM cancels polling and exits 130.
 */
import { deviceLogin } from './login.js';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => controller.abort(new Error(`received ${signal}`)));
}

const code = await deviceLogin(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
