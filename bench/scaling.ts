import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuWindow } from './cpu.js';
import type { LoadJob, LoadResult } from './load.js';
import {
  type BenchDatabase,
  type DatabaseCounters,
  type LockEvidence,
  PostgresMonitor,
} from './postgres.js';
import {
  type BenchServer,
  type ServerSettings,
  seed,
  type SeededCode,
  startLoad,
  startServer,
  stopServer,
} from './processes.js';

/**
 * `--instances 1,2`: the same scenarios on 1 and then N server processes sharing one database, each server with
 * a load generator of its own. Server k runs on CPU k, its load generator on CPU k+1 (modulo the CPUs), so with
 * one instance the layout is the single-instance bench's, and with two each CPU runs one server and the other
 * server's load generator. PostgreSQL is not pinned (the bench does not own it).
 *
 * Besides throughput it records the CPU each process used (from /proc), how busy each CPU was, and, on
 * PostgreSQL, lock waits and transaction counters — what is needed to tell "did not scale because of the
 * database" from "did not scale because there was no CPU left".
 */

/** One configuration: how many instances, and whether their load generators poll the same codes. */
export interface ScalingConfig {
  /** With `--repeat`, which pass over the configurations this is (1, 2, …). */
  round: number;
  instances: number;
  /** Every load generator polls every code (each at its share of the rate), rather than a slice of its own. */
  sharedCodes: boolean;
}

/** One scenario on one configuration. */
export interface ScalingRow extends ScalingConfig {
  scenario: LoadJob['scenario'];
  codes: number;
  /** Per instance, in order. */
  perInstance: LoadResult[];
  requestsPerSecond: number;
  /** Request-weighted mean of the instances' medians. */
  p50: number;
  /** The worst instance's 99th percentile. */
  p99: number;
  errors: number;
  outcomes: Record<string, number>;
  statuses: Record<string, number>;
  /** CPU µs per request: all servers, all load generators, the bench database's PostgreSQL backends. */
  cpuPerRequestUs: { servers?: number; load: number; postgres?: number };
  /** Share of one CPU each server used over the window (1 = a whole CPU). */
  serverCpuShare: (number | undefined)[];
  /** Share of one CPU each load generator used. */
  loadCpuShare: number[];
  /**
   * Share of the window each server's and each load generator's main thread waited, runnable, for a CPU: how
   * much more it would have run on a CPU of its own.
   */
  serverRunQueueShare: (number | undefined)[];
  loadRunQueueShare: (number | undefined)[];
  /** CPUs' worth used by everything else on the machine (other users' processes, PostgreSQL's own helpers). */
  othersCpuShare?: number;
  /** Share of one CPU the bench database's PostgreSQL backends used together. */
  postgresCpuShare?: number;
  /** Per CPU: busy and stolen shares of the window (everything on the machine, neighbours included). */
  machine?: { busy: number; steal: number }[];
  windowSeconds: number;
  /** PostgreSQL only: lock waits and wait events sampled over the window. */
  locks?: LockEvidence;
  /** `uptime`'s 1-minute load average when the configuration started. */
  loadAverage: number;
  pinning: string;
}

/** Everything a scaling run needs from the orchestrator. */
export interface ScalingOptions {
  server: ServerSettings;
  db?: BenchDatabase;
  configs: ScalingConfig[];
  scenarios: LoadJob['scenario'][];
  connections: number;
  duration: number;
  codeCount: number;
  interval: number;
  /** Share of polls sent deliberately too early (own codes only). */
  earlyShare: number;
  tmp: string;
  cpus: number;
  loadAverage: () => number;
  log: (line: string) => void;
}

function sum(values: (number | undefined)[]): number | undefined {
  return values.some((v) => v === undefined)
    ? undefined
    : values.reduce<number>((a, v) => a + v!, 0);
}

/** One scenario on the running servers: a load generator per server, all at once. */
async function measure(
  o: ScalingOptions,
  config: ScalingConfig,
  servers: BenchServer[],
  scenario: LoadJob['scenario'],
  codes: SeededCode[],
  monitor: PostgresMonitor | undefined,
): Promise<ScalingRow> {
  const loadAverage = o.loadAverage();
  const n = servers.length;
  const files = servers.map((_, k) => {
    const mine = config.sharedCodes ? codes : codes.filter((_, i) => i % n === k);
    const file = join(o.tmp, `bench-codes-${process.pid}-${k}.json`);
    writeFileSync(file, JSON.stringify(mine));
    return file;
  });
  try {
    const loads = servers.map((s, k) =>
      startLoad(
        {
          url: s.base,
          scenario,
          connections: Math.ceil(o.connections / n),
          duration: o.duration,
          warmup: Math.min(3, o.duration),
          codesFile: files[k],
          // Shared codes: each generator polls each code every n intervals, so a code still sees one poll an
          // interval in all; no deliberate early polls (the other generators could not know of them).
          interval: config.sharedCodes ? o.interval * n : o.interval,
          earlyShare: config.sharedCodes ? 0 : o.earlyShare,
          ipOffset: k << 22,
        },
        s.cpu === undefined ? undefined : s.cpu + 1,
      ),
    );
    await Promise.all(loads.map((l) => l.measuring));
    const backends = (await monitor?.backendPids()) ?? [];
    monitor?.start();
    const close = cpuWindow([...servers.map((s) => s.pid), ...backends]);
    // The generators started together: the first to finish closes the window for all (while the servers
    // and backends still live to be read). Each generator measures its own CPU.
    await Promise.race(loads.map((l) => l.result));
    const window = close();
    const results = await Promise.all(loads.map((l) => l.result));
    const locks = await monitor?.stop();
    const total = results.reduce((a, r) => a + r.total, 0);
    const ms = window.processMs;
    const serverMs = ms.slice(0, n);
    const loadMs = results.map((r) => r.cpuMs);
    // A backend may have left mid-window (the pool closes idle connections): count the ones still there.
    const pgMs = sum(ms.slice(n).filter((v) => v !== undefined));
    const ours = sum([...serverMs, ...loadMs, pgMs]);
    const machineMs = window.machine
      ? window.machine.reduce((a, c) => a + c.busy, 0) * window.seconds * 1000
      : undefined;
    const perRequest = (v: number | undefined) =>
      v === undefined || total === 0 ? undefined : (v * 1000) / total;
    const share = (v: number | undefined) =>
      v === undefined ? undefined : v / 1000 / window.seconds;
    const merge = (pick: (r: LoadResult) => Record<string, number>) => {
      const out: Record<string, number> = {};
      for (const r of results)
        for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    return {
      ...config,
      scenario,
      codes: codes.length,
      perInstance: results,
      requestsPerSecond: results.reduce((a, r) => a + r.requestsPerSecond, 0),
      p50: total ? results.reduce((a, r) => a + r.p50 * r.total, 0) / total : 0,
      p99: Math.max(...results.map((r) => r.p99)),
      errors: results.reduce((a, r) => a + r.errors + r.timeouts, 0),
      outcomes: merge((r) => r.outcomes),
      statuses: merge((r) => r.statuses),
      cpuPerRequestUs: {
        servers: perRequest(sum(serverMs)),
        load: perRequest(sum(loadMs))!,
        postgres: o.db ? perRequest(pgMs) : undefined,
      },
      serverCpuShare: serverMs.map(share),
      // Each load generator over its own measured time (which a stalled one may stretch past the window).
      loadCpuShare: results.map((r) => r.cpuMs / 1000 / r.seconds),
      serverRunQueueShare: window.runQueueMs.slice(0, n).map(share),
      loadRunQueueShare: results.map((r) =>
        r.runQueueMs === undefined ? undefined : r.runQueueMs / 1000 / r.seconds,
      ),
      othersCpuShare:
        machineMs === undefined || ours === undefined ? undefined : share(machineMs - ours),
      postgresCpuShare: o.db ? share(pgMs) : undefined,
      machine: window.machine,
      windowSeconds: window.seconds,
      locks,
      loadAverage,
      pinning: pinningOf(servers, o.cpus),
    };
  } finally {
    for (const f of files) rmSync(f, { force: true });
  }
}

function pinningOf(servers: BenchServer[], cpus: number): string {
  if (servers.some((s) => s.cpu === undefined)) return 'not pinned';
  return servers
    .map((s, k) => `server ${k + 1} CPU ${s.cpu}, load ${k + 1} CPU ${(s.cpu! + 1) % cpus}`)
    .join('; ');
}

/** `pg_stat_database` over one configuration: seeding, warm-ups and measurements, servers started to stopped. */
export interface ConfigTotals extends ScalingConfig {
  counters: DatabaseCounters;
}

/** Runs every configuration in turn: starts its servers (one after another), seeds, measures, stops. */
export async function runScaling(
  o: ScalingOptions,
): Promise<{ rows: ScalingRow[]; totals: ConfigTotals[] }> {
  const rows: ScalingRow[] = [];
  const totals: ConfigTotals[] = [];
  for (const config of o.configs) {
    const monitor = o.db ? new PostgresMonitor(o.db) : undefined;
    await monitor?.connect();
    const before = await monitor?.counters();
    // One after another: the first migrates the database, the others find it migrated.
    const servers: BenchServer[] = [];
    try {
      for (let k = 0; k < config.instances; k++)
        servers.push(await startServer(o.server, k % o.cpus));
      let codes: SeededCode[] = [];
      for (const scenario of o.scenarios) {
        if (config.sharedCodes && scenario !== 'poll') continue;
        if ((scenario === 'poll' || scenario === 'verification') && codes.length === 0) {
          o.log(`${label(config)}: seeding ${o.codeCount} codes…`);
          codes = await seed(servers, o.codeCount);
        }
        o.log(`${label(config)}: ${scenario}, ${o.duration} s × ${o.connections} connections…`);
        rows.push(await measure(o, config, servers, scenario, codes, monitor));
      }
    } finally {
      await Promise.all(servers.map(stopServer));
    }
    if (monitor && before) {
      // The servers' backends report their last counts as they exit.
      await new Promise((ok) => setTimeout(ok, 500));
      const after = await monitor.counters();
      const counters = Object.fromEntries(
        Object.entries(after).map(([k, v]) => [k, v - before[k as keyof DatabaseCounters]]),
      ) as DatabaseCounters;
      totals.push({ ...config, counters });
      await monitor.end();
    }
  }
  return { rows, totals };
}

/** "2 instances, shared codes". */
export function label(c: ScalingConfig): string {
  return (
    `${c.instances} instance${c.instances > 1 ? 's' : ''}${c.sharedCodes ? ', shared codes' : ''}` +
    (c.round > 1 ? ` (pass ${c.round})` : '')
  );
}
