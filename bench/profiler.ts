import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * The bench server's V8 CPU profiler (`npm run bench -- --profile`): started before the app with
 * {@link startProfiler}; each {@link takeProfile} writes what was sampled since the previous call to
 * `<dir>/<name>.cpuprofile` (open in Chrome DevTools) and samples on.
 */
let session: Session | undefined;
let dir = '';

export async function startProfiler(outDir: string): Promise<void> {
  dir = outDir;
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}

/** Writes the profile gathered so far; false when the profiler is off. */
export async function takeProfile(name: string): Promise<boolean> {
  if (!session) return false;
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(join(dir, `${name.replace(/[^\w.-]/g, '_')}.cpuprofile`), JSON.stringify(profile));
  await session.post('Profiler.start');
  return true;
}
