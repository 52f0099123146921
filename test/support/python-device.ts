import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * A device written in Python, run by the interoperability suites: a script that prints one JSON object per line
 * (`{"event": …}`) as it goes, read here event by event.
 */

/** The Python the interop suites run (`PYTHON`, else Debian's `/usr/bin/python3`). */
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

/**
 * What `code` prints on one line when Python can run it here (a library's version), or undefined. `missing`
 * says what is missing and how to install it: in CI (`CI=true`) the run fails with it; elsewhere it is printed
 * and the suite skips.
 */
export function pythonProbe(code: string, missing: string): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
  const version = probe.status === 0 ? probe.stdout.trim() : undefined;
  if (!version && process.env.CI === 'true') throw new Error(`CI: ${missing}`);
  if (!version) console.warn(`${missing}; suite skipped`);
  return version;
}

/** One line the Python device printed. */
export type DeviceEvent = { event: string } & Record<string, unknown>;

/** The Python device, running: its events as they come, and how it ended. */
export interface PythonDevice {
  /** The next event the device prints (fails after `ms`, or when it exits first). */
  next(ms?: number): Promise<DeviceEvent>;
  /** Resolves with the exit code and what it wrote on stderr. */
  exited: Promise<{ code: number | null; stderr: string }>;
}

/** Runs `script` with `args` under {@link PYTHON}. */
export function runPythonDevice(script: string, args: readonly string[]): PythonDevice {
  const child = spawn(PYTHON, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  const events: DeviceEvent[] = [];
  const waiting: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as DeviceEvent);
    waiting.splice(0).forEach((wake) => wake());
  });
  let read = 0;
  const next = async (ms = 15_000): Promise<DeviceEvent> => {
    const end = Date.now() + ms;
    while (read >= events.length) {
      if (child.exitCode !== null) {
        const { code, stderr: err } = await exited;
        if (read >= events.length) throw new Error(`device exited (${code}) early: ${err}`);
        break;
      }
      if (Date.now() > end) throw new Error(`no event from the device within ${ms} ms: ${stderr}`);
      await new Promise<void>((wake) => {
        waiting.push(wake);
        setTimeout(wake, 100);
      });
    }
    return events[read++]!;
  };
  return { next, exited };
}

/** Reads events until one named `name` (the ones before it are returned too, in order). */
export async function until(device: PythonDevice, name: string): Promise<DeviceEvent[]> {
  const seen: DeviceEvent[] = [];
  for (;;) {
    const e = await device.next();
    seen.push(e);
    if (e.event === name) return seen;
  }
}
