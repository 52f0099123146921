import type { LoadResult } from './load.js';

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
  const lines = [
    `**${r.adapter}**, ${r.database}, ${r.connections} connections × ${r.duration} s, ${r.liveCodes} live codes, ` +
      `interval ${r.interval} s, ${r.pinned ? 'server on CPU 0, load on CPU 1' : 'not pinned'} — ${r.date}`,
    '',
    '| Scenario | req/s | p50 ms | p99 ms | × bare (d) | Answers |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const s of r.scenarios) {
    const ratio = bare ? (s.requestsPerSecond / bare.requestsPerSecond).toFixed(2) : '—';
    const answers = Object.entries(s.outcomes)
      .concat(
        Object.keys(s.outcomes).length
          ? []
          : Object.entries(s.statuses).map(([k, v]) => [`HTTP ${k}`, v]),
      )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      `| ${s.label} | ${Math.round(s.requestsPerSecond)} | ${s.p50} | ${s.p99} | ${ratio} | ${answers}${
        s.errors || s.timeouts ? `; errors ${s.errors}, timeouts ${s.timeouts}` : ''
      } |`,
    );
  }
  return lines.join('\n') + '\n';
}
