import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadJob, LoadResult } from './load.js';
import { type BenchDatabase, createBenchDatabase } from './postgres.js';
import { pinnedTo, runLoad, seed, startServer, stopServer } from './processes.js';
import { type BenchReport, renderScaling, renderTable, type ScalingReport } from './report.js';
import { label, runScaling, type ScalingConfig } from './scaling.js';

/**
 * `npm run bench [-- --adapter fastify] [--duration 10] [--connections 50] [--codes 20000] [--out DIR]
 *  [--only bare,poll] [--early 0.05] [--profile] [--instances 1,2 [--shared-codes] [--repeat 2]]
 *  [--pg-synchronous-commit off]`
 *
 * Starts the demo server (plus bench-only routes) pinned to CPU 0 and runs autocannon pinned to CPU 1, one
 * scenario at a time: (d) bare route, (a) device authorization, (b) pending polls, (c) verification lookups.
 * SQLite (a fresh file) unless DATABASE_URL says otherwise; on PostgreSQL, in a database of its own created on
 * that server and dropped at the end. Writes JSON and Markdown to the out directory.
 *
 * `--instances 1,2` measures instead each listed number of server processes on the one database (scaling.ts),
 * by default for (d) and (b); `--shared-codes` adds, for each number above 1, a run whose load generators poll
 * the same codes; `--repeat N` goes over them N times.
 */

const SCENARIOS: { id: LoadJob['scenario']; label: string }[] = [
  { id: 'bare', label: '(d) bare Nest route, form parsed, fixed 400 JSON' },
  { id: 'authorize', label: '(a) device authorization (POST /oauth/device_authorization)' },
  { id: 'poll', label: '(b) pending polls (POST /oauth/token)' },
  {
    id: 'verification',
    label: '(c) verification page: a signed-in user submits a code (POST /device → 303 consent)',
  },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const adapterArg = arg('adapter', 'express');
if (adapterArg !== 'express' && adapterArg !== 'fastify') {
  console.error('--adapter must be express or fastify');
  process.exit(2);
}
const adapter: 'express' | 'fastify' = adapterArg;
const duration = Number(arg('duration', '10'));
const connections = Number(arg('connections', '50'));
const codeCount = Math.max(1000, Number(arg('codes', '20000')));
const interval = Number(process.env.DEVICE_FLOW_INTERVAL || 1);
const outDir = resolve(arg('out', '.tmp/bench'));
const only = arg('only', '');
/** `--early 0.05`: share of polls sent deliberately too early, answered slow_down (0 for none). */
const earlyShare = Number(arg('early', '0.05'));
/** `--profile`: the server writes a V8 CPU profile per scenario to `<out>/profile-<adapter>-<scenario>.cpuprofile`. */
const profile = process.argv.includes('--profile');
/** `--instances 1,2`: numbers of server processes to measure side by side (scaling mode). */
const instances = arg('instances', '').split(',').filter(Boolean).map(Number);
if (instances.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) {
  console.error('--instances takes numbers of server processes from 1 to 8, e.g. 1,2');
  process.exit(2);
}
const sharedCodes = process.argv.includes('--shared-codes');
/** `--repeat 2`: goes over the `--instances` configurations that many times, alternating, against drift. */
const repeat = Math.max(1, Number(arg('repeat', '1')) || 1);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

/** Where the bench's data lives: a fresh SQLite file, or a fresh database on DATABASE_URL's server. */
interface Storage {
  url: string;
  label: string;
  postgres?: BenchDatabase;
  cleanUp(): Promise<void>;
}

async function storage(tmp: string): Promise<Storage> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const file = join(tmp, `bench-${process.pid}.sqlite`);
    return {
      url: `sqlite:${file}`,
      label: 'SQLite (file, WAL)',
      cleanUp: async () => {
        for (const ext of ['', '-wal', '-shm']) rmSync(file + ext, { force: true });
      },
    };
  }
  if (/^postgres(ql)?:/i.test(url)) {
    const db = await createBenchDatabase(url, arg('pg-synchronous-commit', '') || undefined);
    return {
      url: db.url,
      label: `PostgreSQL ${db.settings.server_version ?? ''}`.trim(),
      postgres: db,
      cleanUp: () => db.drop(),
    };
  }
  // Other servers: used as given (their tables are created in the database DATABASE_URL names).
  return { url, label: url.split(':')[0], cleanUp: async () => {} };
}

/**
 * `fetch`, tried again once when the connection fails: between scenarios the orchestrator's kept-alive
 * connection sits idle longer than Express's 5 s keep-alive timeout, and the server may close it just as it is
 * reused.
 */
async function request(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

/** Cookies of a response, as one `Cookie` header value (name=value pairs). */
function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!);
}

/**
 * Signs in to the demo as `alice` and opens the verification page, as a browser does: returns the session
 * cookies and the page's CSRF token, for scenario (c) to submit codes with.
 */
async function signedInPage(base: string): Promise<NonNullable<LoadJob['page']>> {
  const origin = 'http://localhost:3000'; // the bench server's ISSUER
  const login = await request(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: 'username=alice&password=alice&return_to=%2Fdevice',
  });
  if (login.status !== 303) throw new Error(`demo login failed: ${login.status}`);
  const jar = cookiesOf(login);
  const entry = await request(`${base}/device`, { headers: { cookie: jar.join('; ') } });
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(await entry.text())?.[1];
  if (entry.status !== 200 || !csrf) throw new Error(`verification page: ${entry.status}, no form`);
  jar.push(...cookiesOf(entry));
  return { path: '/device', cookie: jar.join('; '), csrf, origin };
}

/** The four scenarios, one after another, on one server (the default mode). */
async function single(store: Storage, tmp: string): Promise<void> {
  const server = await startServer(
    { adapter, databaseUrl: store.url, interval, profileDir: profile ? outDir : undefined },
    0,
  );
  try {
    process.stderr.write(
      `server on ${adapter}, ${store.label}, interval ${interval} s; seeding ${codeCount} codes…\n`,
    );
    const codes = await seed([server], codeCount);
    const codesFile = join(tmp, `bench-codes-${process.pid}.json`);
    writeFileSync(codesFile, JSON.stringify(codes));
    const results: LoadResult[] = [];
    /** Has the server write the profile of what ran since the last call, under the scenario's name. */
    const saveProfile = async (name: string): Promise<void> => {
      if (!profile) return;
      const res = await request(`${server.base}/bench/profile?name=profile-${adapter}-${name}`, {
        method: 'POST',
      });
      if (!res.ok) throw new Error(`profile not written: ${res.status} ${await res.text()}`);
    };
    await saveProfile('seeding');
    for (const s of SCENARIOS) {
      if (only && !only.split(',').includes(s.id)) continue;
      const page = s.id === 'verification' ? await signedInPage(server.base) : undefined;
      process.stderr.write(`${s.label}: ${duration} s × ${connections} connections…\n`);
      results.push(
        await runLoad(
          {
            url: server.base,
            scenario: s.id,
            connections,
            duration,
            warmup: Math.min(3, duration),
            codesFile,
            interval,
            earlyShare,
            page,
          },
          1,
        ),
      );
      await saveProfile(s.id);
    }
    rmSync(codesFile, { force: true });
    const report: BenchReport = {
      date: new Date().toISOString(),
      adapter,
      database: store.label,
      interval,
      liveCodes: codes.length,
      connections,
      duration,
      pinned: pinnedTo(0).length > 0,
      machine,
      scenarios: SCENARIOS.filter((s) => results.some((r) => r.scenario === s.id)).map((s) => ({
        ...s,
        ...results.find((r) => r.scenario === s.id)!,
      })),
    };
    write(`bench-${adapter}`, report, renderTable(report));
  } finally {
    await stopServer(server);
  }
}

/** `--instances`: each listed number of servers on the one database, side by side (scaling.ts). */
async function scaling(store: Storage, tmp: string): Promise<void> {
  const configs: ScalingConfig[] = [];
  for (let round = 1; round <= repeat; round++) {
    for (const n of instances) configs.push({ round, instances: n, sharedCodes: false });
    if (sharedCodes)
      for (const n of instances)
        if (n > 1) configs.push({ round, instances: n, sharedCodes: true });
  }
  const scenarios = SCENARIOS.map((s) => s.id).filter((id) =>
    only ? only.split(',').includes(id) : id === 'bare' || id === 'poll',
  );
  process.stderr.write(
    `${adapter}, ${store.label}, interval ${interval} s: ${configs.map(label).join(' / ')}\n`,
  );
  const { rows, totals } = await runScaling({
    server: { adapter, databaseUrl: store.url, interval },
    db: store.postgres,
    configs,
    scenarios,
    connections,
    duration,
    codeCount,
    interval,
    earlyShare,
    tmp,
    cpus: cpus().length,
    loadAverage: () => loadavg()[0],
    log: (line) => process.stderr.write(line + '\n'),
  });
  const report: ScalingReport = {
    date: new Date().toISOString(),
    adapter,
    database: store.label,
    databaseSettings: store.postgres?.settings,
    interval,
    earlyShare,
    connections,
    duration,
    machine,
    rows,
    totals,
  };
  write(`bench-${adapter}-instances`, report, renderScaling(report));
}

/** Writes a report as JSON and Markdown to the out directory, and the Markdown to stdout. */
function write(name: string, report: unknown, markdown: string): void {
  const stem = join(outDir, name);
  writeFileSync(`${stem}.json`, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(`${stem}.md`, markdown);
  process.stdout.write(markdown);
  process.stderr.write(`written: ${stem}.json, ${stem}.md\n`);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const tmp = resolve('.tmp');
  mkdirSync(tmp, { recursive: true });
  const store = await storage(tmp);
  // Interrupted: still drop the bench's database (the servers die with their parent's process group).
  process.once('SIGINT', () => void store.cleanUp().finally(() => process.exit(130)));
  try {
    await (instances.length ? scaling(store, tmp) : single(store, tmp));
  } finally {
    await store.cleanUp();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
