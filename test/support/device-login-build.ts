import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Compiles the client library and its CLI with tsc into a private folder under `.tmp/` (inside the repo, so
 * `uqr` resolves from node_modules) and returns the path of `main.js` plus a cleanup function.
 */
export function buildDeviceLogin(): { main: string; cleanup: () => void } {
  const out = join(ROOT, '.tmp', `device-login-${process.pid}-${Date.now()}`);
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(ROOT, 'libs/device-flow-client/tsconfig.build.json'),
      '--outDir',
      out,
      '--declaration',
      'false',
      '--sourceMap',
      'false',
    ],
    { stdio: 'pipe' },
  );
  return {
    main: join(out, 'cli/main.js'),
    cleanup: () => rmSync(out, { recursive: true, force: true }),
  };
}
