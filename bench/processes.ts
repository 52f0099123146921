import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { LoadJob, LoadResult } from './load.js';

/** The benchmark's child processes: servers (`dist/bench/server.js`) and load generators (`dist/bench/load.js`). */

/** `taskset -c <cpu>` when there are two CPUs or more and `taskset` exists, else nothing (not pinned). */
export function pinnedTo(cpu: number): string[] {
  if (availableParallelism() < 2) return [];
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return ['taskset', '-c', String(cpu % availableParallelism())];
  } catch {
    return [];
  }
}

/** A running bench server. */
export interface BenchServer {
  child: ChildProcess;
  pid: number;
  port: number;
  base: string;
  cpu?: number;
}

/** What every bench server is started with. */
export interface ServerSettings {
  adapter: 'express' | 'fastify';
  databaseUrl: string;
  interval: number;
  /** `BENCH_PROFILE_DIR` (see server.ts), when profiling. */
  profileDir?: string;
}

/** Starts a bench server, pinned to `cpu` when given; resolves once it listens. */
export function startServer(s: ServerSettings, cpu?: number): Promise<BenchServer> {
  const pin = cpu === undefined ? [] : pinnedTo(cpu);
  const [cmd, ...pre] = [...pin, process.execPath];
  // taskset execs node, so the child's pid is the server's.
  const child = spawn(cmd, [...pre, 'dist/bench/server.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: s.databaseUrl,
      DEVICE_FLOW_INTERVAL: String(s.interval),
      HTTP_ADAPTER: s.adapter,
      ...(s.profileDir ? { BENCH_PROFILE_DIR: s.profileDir } : {}),
      // Devices come from many addresses: the load generator sends one X-Forwarded-For per authorization, so
      // the per-(client, IP) issuance limit measures its bookkeeping rather than rejecting everything.
      TRUST_PROXY: 'true',
      ISSUER: 'http://localhost:3000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    const ready = (d: Buffer) => {
      out += d.toString();
      const m = /BENCH_READY (\d+)/.exec(out);
      if (!m) return;
      child.stdout!.off('data', ready);
      child.stdout!.resume();
      const port = Number(m[1]);
      ok({
        child,
        pid: child.pid!,
        port,
        base: `http://127.0.0.1:${port}`,
        cpu: pin.length ? cpu : undefined,
      });
    };
    child.stdout!.on('data', ready);
    child.on('exit', (code) => fail(new Error(`server exited (${code}) before it was ready`)));
  });
}

/** Stops a server and waits for it to exit. */
export function stopServer(s: BenchServer): Promise<void> {
  if (s.child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    s.child.once('exit', () => ok());
    s.child.kill('SIGTERM');
  });
}

/** A running load generator: `measuring` resolves when its warm-up is over, `result` when it is done. */
export interface LoadRun {
  pid: number;
  measuring: Promise<void>;
  result: Promise<LoadResult>;
}

/** Starts a load generator on `job`, pinned to `cpu` when given. */
export function startLoad(job: LoadJob, cpu?: number): LoadRun {
  const [cmd, ...pre] = [...(cpu === undefined ? [] : pinnedTo(cpu)), process.execPath];
  const child = spawn(cmd, [...pre, 'dist/bench/load.js', JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let measuring!: () => void;
  const started = new Promise<void>((ok) => (measuring = ok));
  const result = new Promise<LoadResult>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('LOAD_MEASURING\n')) measuring();
    });
    child.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`load generator exited with ${code}`));
      ok(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
    });
  });
  // A generator that dies during its warm-up never measures: let the wait for it fail rather than hang.
  return {
    pid: child.pid!,
    measuring: Promise.race([started, result.then(() => undefined)]),
    result,
  };
}

/** Runs a load generator to its end. */
export function runLoad(job: LoadJob, cpu?: number): Promise<LoadResult> {
  return startLoad(job, cpu).result;
}

/** A seeded device authorization. */
export interface SeededCode {
  device_code: string;
  user_code: string;
}

/**
 * Creates `n` device authorizations through the servers' `POST /bench/seed` (batches of 500, four at a time,
 * spread over the servers).
 */
export async function seed(servers: BenchServer[], n: number): Promise<SeededCode[]> {
  const batches: number[] = [];
  for (let left = n; left > 0; left -= 500) batches.push(Math.min(500, left));
  const codes: SeededCode[] = [];
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    while (next < batches.length) {
      const size = batches[next++];
      const base = servers[w % servers.length].base;
      const res = await fetch(`${base}/bench/seed?n=${size}`, { method: 'POST' });
      if (!res.ok) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
      codes.push(...((await res.json()) as SeededCode[]));
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  return codes;
}
