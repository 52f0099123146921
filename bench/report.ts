import type { LoadResult } from './load.js';
import type { ConfigTotals, ScalingRow } from './scaling.js';

/** One benchmark run, as written to JSON. */
export interface BenchReport {
  date: string;
  adapter: string;
  database: string;
  interval: number;
  liveCodes: number;
  connections: number;
  duration: number;
  pinned: boolean;
  machine: string;
  scenarios: (LoadResult & { id: string; label: string })[];
}

/** The Markdown table of a run: req/s, latency and the ratio of each scenario to the bare route (d). */
export function renderTable(r: BenchReport): string {
  const bare = r.scenarios.find((s) => s.id === 'bare');
  const rows = r.scenarios.map((s) => {
    const ratio = bare ? (s.requestsPerSecond / bare.requestsPerSecond).toFixed(2) : '—';
    return `| ${s.label} | ${Math.round(s.requestsPerSecond)} | ${s.p50} | ${s.p99} | ${ratio} | ${answers(
      s.outcomes,
      s.statuses,
    )}${s.errors || s.timeouts ? `; errors ${s.errors}, timeouts ${s.timeouts}` : ''} |`;
  });
  const lines = [
    `**${r.adapter}**, ${r.database}, ${r.connections} connections × ${r.duration} s, ${r.liveCodes} live codes, ` +
      `interval ${r.interval} s, ${r.pinned ? 'server on CPU 0, load on CPU 1' : 'not pinned'} — ${r.date}`,
    ...table(
      undefined,
      '| Scenario | req/s | p50 ms | p99 ms | × bare (d) | Answers |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      rows,
    ),
  ];
  return lines.join('\n') + '\n';
}

/** A `--instances` run, as written to JSON. */
export interface ScalingReport {
  date: string;
  adapter: string;
  database: string;
  /** PostgreSQL version and commit settings, when on PostgreSQL. */
  databaseSettings?: Record<string, string>;
  interval: number;
  /** Share of polls sent deliberately too early (own codes). */
  earlyShare: number;
  connections: number;
  duration: number;
  machine: string;
  rows: ScalingRow[];
  /** PostgreSQL only: its counters over each configuration. */
  totals: ConfigTotals[];
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v * 100)} %`);
const num = (v: number | undefined, digits = 0) => (v === undefined ? '—' : v.toFixed(digits));

/** A Markdown table after a blank line: its caption paragraph (if any), header and alignment rows, then rows. */
function table(
  caption: string | undefined,
  header: string,
  align: string,
  rows: string[],
): string[] {
  return ['', ...(caption === undefined ? [] : [caption, '']), header, align, ...rows];
}

function answers(outcomes: Record<string, number>, statuses: Record<string, number>): string {
  const entries = Object.keys(outcomes).length
    ? Object.entries(outcomes)
    : Object.entries(statuses).map(([k, v]) => [`HTTP ${k}`, v] as const);
  return entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

/**
 * The Markdown of a `--instances` run: throughput and its ratio to one instance; where the CPU went; and, on
 * PostgreSQL, the lock and transaction evidence.
 */
export function renderScaling(r: ScalingReport): string {
  const one = (row: ScalingRow) =>
    r.rows.find((o) => o.scenario === row.scenario && o.instances === 1 && o.round === row.round);
  const passes = r.rows.some((row) => row.round > 1);
  const config = (c: ConfigTotals | ScalingRow) =>
    `${c.instances}${c.instances > 1 ? (c.sharedCodes ? ', shared codes' : ', own codes') : ''}${
      passes ? ` (pass ${c.round})` : ''
    }`;
  const name = (row: ScalingRow) => `${row.scenario} | ${config(row)}`;
  const settings = r.databaseSettings
    ? ` (${Object.entries(r.databaseSettings)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`
    : '';
  const throughput = r.rows.map((row) => {
    const base = one(row);
    return `| ${name(row)} | ${Math.round(row.requestsPerSecond)} | ${row.perInstance
      .map((p) => Math.round(p.requestsPerSecond))
      .join(' + ')} | ${num(row.p50, 1)} | ${row.p99} | ${
      base ? (row.requestsPerSecond / base.requestsPerSecond).toFixed(2) : '—'
    } | ${row.loadAverage.toFixed(1)} | ${answers(row.outcomes, row.statuses)}${
      row.errors ? `; errors/timeouts ${row.errors}` : ''
    } |`;
  });
  const cpu = r.rows.map((row) => {
    const c = row.cpuPerRequestUs;
    return `| ${name(row)} | ${num(c.servers)} | ${num(c.postgres)} | ${num(c.load)} | ${row.serverCpuShare
      .map(pct)
      .join(
        ' + ',
      )} | ${row.loadCpuShare.map(pct).join(' + ')} | ${pct(row.postgresCpuShare)} | ${pct(
      row.othersCpuShare,
    )} | ${row.machine?.map((m) => `${pct(m.busy)} (${pct(m.steal)})`).join(', ') ?? '—'} | ${row.serverRunQueueShare
      .map(pct)
      .join(' + ')} | ${row.loadRunQueueShare.map(pct).join(' + ')} |`;
  });
  const locks = r.rows.flatMap((row) => {
    const l = row.locks;
    if (!l) return [];
    const waits = Object.entries(l.activeBackendsBy)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const ungranted = Object.entries(l.ungrantedBy)
      .map(([k, v]) => `${k.replace(/\|/g, '\\|')} ×${v}`)
      .join(', ');
    return [
      `| ${name(row)} | ${l.samples} | ${l.samplesWithUngrantedLocks} | ${l.lockWaitingBackends} | ${
        ungranted || '—'
      } | ${waits || '—'} |`,
    ];
  });
  const totals = r.totals.map((t) => {
    const c = t.counters;
    return `| ${config(t)} | ${c.xact_commit} | ${c.xact_rollback} | ${c.deadlocks} | ${c.tup_inserted} | ${c.tup_updated} |`;
  });
  const lines = [
    `**${r.adapter}**, ${r.database}${settings}, ${r.connections} connections in all × ${r.duration} s, ` +
      `interval ${r.interval} s, ${Math.round(r.earlyShare * 100)} % of polls on own codes sent early on purpose — ${r.date}`,
    '',
    `Machine: ${r.machine}. Pinning: ${[...new Set(r.rows.map((x) => x.pinning))].join(' / ')}; PostgreSQL not pinned.`,
    ...table(
      undefined,
      '| Scenario | Instances | req/s (sum) | per instance | p50 ms (mean) | p99 ms (worst) | × 1 instance | load avg | Answers |',
      '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |',
      throughput,
    ),
    ...table(
      "Where the CPU went (from /proc; µs of CPU per request, each process's share of one CPU over the window, " +
        'and the share of the window its main thread spent runnable but waiting for a CPU):',
      '| Scenario | Instances | servers µs/req | PostgreSQL µs/req | load gen µs/req | server CPU use | load gen CPU use | PostgreSQL CPU use | everything else | CPUs busy (stolen) | servers waiting for a CPU | load gens waiting for a CPU |',
      '| --- | --- | ---: | ---: | ---: | --- | --- | ---: | ---: | --- | --- | --- |',
      cpu,
    ),
    ...(locks.length
      ? table(
          'PostgreSQL lock waits during the window (`pg_locks` and `pg_stat_activity`, sampled):',
          '| Scenario | Instances | samples | samples with an ungranted lock | backends waiting on a lock (sum over samples) | ungranted locks: type and statement | active backends by wait event (sum over samples) |',
          '| --- | --- | ---: | ---: | ---: | --- | --- |',
          locks,
        )
      : []),
    ...(totals.length
      ? table(
          '`pg_stat_database` over each configuration (servers started to stopped: seeding, warm-ups, measurements):',
          '| Instances | commits | rollbacks | deadlocks | rows inserted | rows updated |',
          '| --- | ---: | ---: | ---: | ---: | ---: |',
          totals,
        )
      : []),
  ];
  return lines.join('\n') + '\n';
}
