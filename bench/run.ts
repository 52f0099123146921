import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadJob, LoadResult } from './load.js';
import { renderTable, type BenchReport } from './report.js';

/**
 * `npm run bench [-- --adapter fastify] [--duration 10] [--connections 50] [--codes 20000] [--out DIR]
 *  [--only bare,poll] [--profile]`
 *
 * Starts the demo server (plus bench-only routes) pinned to CPU 0 and runs autocannon pinned to CPU 1, one
 * scenario at a time: (d) bare route, (a) device authorization, (b) pending polls, (c) verification lookups.
 * SQLite (a fresh file) unless DATABASE_URL says otherwise. Writes JSON and Markdown to the out directory.
 */

const SCENARIOS: { id: LoadJob['scenario']; label: string }[] = [
  { id: 'bare', label: '(d) bare Nest route, form parsed, fixed 400 JSON' },
  { id: 'authorize', label: '(a) device authorization (POST /oauth/device_authorization)' },
  { id: 'poll', label: '(b) pending polls (POST /oauth/token)' },
  { id: 'verification', label: '(c) verification code lookup (findPending, bench route)' },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const adapter = arg('adapter', 'express');
if (adapter !== 'express' && adapter !== 'fastify') {
  console.error('--adapter must be express or fastify');
  process.exit(2);
}
const duration = Number(arg('duration', '10'));
const connections = Number(arg('connections', '50'));
const codeCount = Math.max(1000, Number(arg('codes', '20000')));
const interval = Number(process.env.DEVICE_FLOW_INTERVAL || 1);
const outDir = resolve(arg('out', '.tmp/bench'));
const only = arg('only', '');
/** `--profile`: the server writes a V8 CPU profile per scenario to `<out>/profile-<adapter>-<scenario>.cpuprofile`. */
const profile = process.argv.includes('--profile');

/** Both pinned to their own CPU when there are two and `taskset` exists. */
function pinned(cpu: number): string[] {
  if (availableParallelism() < 2) return [];
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return ['taskset', '-c', String(cpu)];
  } catch {
    return [];
  }
}

function database(tmp: string): { url: string; label: string } {
  const url = process.env.DATABASE_URL;
  if (!url)
    return {
      url: `sqlite:${join(tmp, `bench-${process.pid}.sqlite`)}`,
      label: 'SQLite (file, WAL)',
    };
  if (/^postgres(ql)?:/i.test(url)) {
    try {
      createRequire(import.meta.url).resolve('pg');
    } catch {
      console.error(
        'DATABASE_URL points at PostgreSQL, but the `pg` driver is not installed in this checkout.\n' +
          'Install it (`npm install pg`) or unset DATABASE_URL to benchmark on SQLite.',
      );
      process.exit(2);
    }
    return { url, label: 'PostgreSQL' };
  }
  return { url, label: url.split(':')[0] };
}

function startServer(dbUrl: string): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, ...pre] = [...pinned(0), process.execPath];
  const child = spawn(cmd, [...pre, 'dist/bench/server.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      DEVICE_FLOW_INTERVAL: String(interval),
      HTTP_ADAPTER: adapter,
      ...(profile ? { BENCH_PROFILE_DIR: outDir } : {}),
      // Devices come from many addresses: the load generator sends one X-Forwarded-For per authorization, so
      // the per-(client, IP) issuance limit measures its bookkeeping rather than rejecting everything.
      TRUST_PROXY: 'true',
      ISSUER: 'http://localhost:3000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /BENCH_READY (\d+)/.exec(out);
      if (m) ok({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => fail(new Error(`server exited (${code}) before it was ready`)));
  });
}

function runLoad(job: LoadJob): LoadResult {
  const [cmd, ...pre] = [...pinned(1), process.execPath];
  const out = execFileSync(cmd, [...pre, 'dist/bench/load.js', JSON.stringify(job)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

async function seed(
  base: string,
  n: number,
): Promise<{ device_code: string; user_code: string }[]> {
  const codes = [];
  while (codes.length < n) {
    const res = await fetch(`${base}/bench/seed?n=${Math.min(2000, n - codes.length)}`, {
      method: 'POST',
    });
    if (!res.ok) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
    codes.push(...((await res.json()) as { device_code: string; user_code: string }[]));
  }
  return codes;
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const tmp = resolve('.tmp');
  mkdirSync(tmp, { recursive: true });
  const db = database(tmp);
  const { child, port } = await startServer(db.url);
  const base = `http://127.0.0.1:${port}`;
  try {
    process.stderr.write(
      `server on ${adapter}, ${db.label}, interval ${interval} s; seeding ${codeCount} codes…\n`,
    );
    const codes = await seed(base, codeCount);
    const codesFile = join(tmp, `bench-codes-${process.pid}.json`);
    writeFileSync(codesFile, JSON.stringify(codes));
    const results: LoadResult[] = [];
    let profiles = 0;
    /** Asks the server for the profile of what ran since the last call, saved under the scenario's name. */
    const saveProfile = async (name: string): Promise<void> => {
      if (!profile) return;
      const n = ++profiles;
      const written = new Promise<void>((ok) => {
        const seen = (d: Buffer) => {
          if (d.toString().includes(`BENCH_PROFILED ${n}`)) {
            child.stdout!.off('data', seen);
            ok();
          }
        };
        child.stdout!.on('data', seen);
      });
      child.kill('SIGUSR2');
      await written;
      renameSync(
        join(outDir, `${n}.cpuprofile`),
        join(outDir, `profile-${adapter}-${name}.cpuprofile`),
      );
    };
    await saveProfile('seeding');
    for (const s of SCENARIOS) {
      if (only && !only.split(',').includes(s.id)) continue;
      process.stderr.write(`${s.label}: ${duration} s × ${connections} connections…\n`);
      results.push(
        runLoad({
          url: base,
          scenario: s.id,
          connections,
          duration,
          warmup: Math.min(3, duration),
          codesFile,
          interval,
          earlyShare: 0.05,
        }),
      );
      await saveProfile(s.id);
    }
    rmSync(codesFile, { force: true });
    const report: BenchReport = {
      date: new Date().toISOString(),
      adapter,
      database: db.label,
      interval,
      liveCodes: codes.length,
      connections,
      duration,
      pinned: pinned(0).length > 0,
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      scenarios: SCENARIOS.filter((s) => results.some((r) => r.scenario === s.id)).map((s) => ({
        ...s,
        ...results.find((r) => r.scenario === s.id)!,
      })),
    };
    const stem = join(outDir, `bench-${adapter}`);
    writeFileSync(`${stem}.json`, JSON.stringify(report, null, 2) + '\n');
    const table = renderTable(report);
    writeFileSync(`${stem}.md`, table);
    process.stdout.write(table);
    process.stderr.write(`written: ${stem}.json, ${stem}.md\n`);
  } finally {
    child.kill('SIGTERM');
    if (!process.env.DATABASE_URL) {
      for (const ext of ['', '-wal', '-shm'])
        rmSync(db.url.slice('sqlite:'.length) + ext, { force: true });
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
