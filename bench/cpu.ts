import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * CPU time from /proc (Linux): of single processes (the bench servers, load generators and PostgreSQL
 * backends, read without disturbing them) and of the whole machine, per CPU, so a report can say how much CPU a
 * request cost and whether the machine had any left. Elsewhere every reading is `undefined`.
 */

const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return 10;
  }
})();

/** User + system CPU time a process has used, in ms; undefined when it is gone or /proc is missing. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) in parentheses; utime, stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/**
 * How long a process's main thread has waited, runnable, for a CPU (`/proc/<pid>/schedstat`, second field), in
 * ms: time it could have run had a CPU been free.
 */
export function runQueueMs(pid: number | 'self'): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return undefined;
  }
}

/** Per CPU: ms busy (user, nice, system, irq, softirq), stolen by the hypervisor, and in all. */
export interface MachineCpu {
  busy: number;
  steal: number;
  total: number;
}

/** One reading of /proc/stat, per CPU (`cpu0`, `cpu1`, …). */
export function machineCpu(): MachineCpu[] | undefined {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => {
        const [user, nice, system, idle, iowait, irq, softirq, steal] = l
          .split(/\s+/)
          .slice(1, 9)
          .map((v) => Number(v) * TICK_MS);
        const busy = user + nice + system + irq + softirq;
        return { busy, steal, total: busy + idle + iowait + steal };
      });
  } catch {
    return undefined;
  }
}

/** CPU time used between two readings: per process (ms) and per CPU (shares of the window, 0–1). */
export interface CpuWindow {
  seconds: number;
  processMs: (number | undefined)[];
  /** Per process, ms its main thread waited for a CPU while runnable. */
  runQueueMs: (number | undefined)[];
  machine?: { busy: number; steal: number }[];
}

/** Starts a CPU window over `pids`; call the result to close it. */
export function cpuWindow(pids: number[]): () => CpuWindow {
  const t0 = performance.now();
  const p0 = pids.map(processCpuMs);
  const q0 = pids.map(runQueueMs);
  const m0 = machineCpu();
  return () => {
    const p1 = pids.map(processCpuMs);
    const q1 = pids.map(runQueueMs);
    const m1 = machineCpu();
    const delta = (a: (number | undefined)[], b: (number | undefined)[]) =>
      b.map((v, i) => (v === undefined || a[i] === undefined ? undefined : v - a[i]));
    return {
      seconds: (performance.now() - t0) / 1000,
      processMs: delta(p0, p1),
      runQueueMs: delta(q0, q1),
      machine:
        m0 && m1
          ? m1.map((c, i) => {
              const total = c.total - m0[i].total || 1;
              return {
                busy: (c.busy - m0[i].busy) / total,
                steal: (c.steal - m0[i].steal) / total,
              };
            })
          : undefined,
    };
  };
}
