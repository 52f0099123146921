// Builds the publishable package into dist/: a clean tsc build of what src/index.ts reaches (JS + .d.ts),
// plus any non-TypeScript asset under src/ (templates, styles) that the code may load at run time.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

// A stale file from a deleted source must never ship.
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});

/** Test-only files and folders, never shipped. */
const TEST_ONLY = /(\.(spec|test)\.[^/]+$)|(^|\/)(__tests__|__fixtures__|fixtures|testing)(\/|$)/;

let assets = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const file = join(entry.parentPath, entry.name);
  const rel = relative(src, file).split('\\').join('/');
  if (rel.endsWith('.ts') || rel.endsWith('.tsx') || TEST_ONLY.test(rel)) continue;
  mkdirSync(dirname(join(dist, rel)), { recursive: true });
  copyFileSync(file, join(dist, rel));
  assets++;
}
process.stderr.write(
  `nest-device-flow: built ${relative(process.cwd(), dist) || '.'} (${assets} asset file(s) copied)\n`,
);
