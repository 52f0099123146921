import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { runQueueMs } from './cpu.js';

/** One scenario run, as the orchestrator asks for it (argv[2], JSON). */
export interface LoadJob {
  url: string;
  scenario: 'authorize' | 'poll' | 'verification' | 'bare';
  connections: number;
  duration: number;
  warmup: number;
  /** File with the seeded codes (poll, verification). */
  codesFile?: string;
  /** Server's polling interval, seconds. */
  interval?: number;
  /** Share of polls sent deliberately too early (→ slow_down). */
  earlyShare?: number;
  /** Verification page scenario: the signed-in browser's cookies and CSRF token, and where to post. */
  page?: { path: string; cookie: string; csrf: string; origin: string };
  /** Added to the device-authorization counter behind each request's X-Forwarded-For, so that several load
   *  generators send from different addresses. */
  ipOffset?: number;
}

/** What a scenario run measured. */
export interface LoadResult {
  scenario: LoadJob['scenario'];
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  timeouts: number;
  /** Responses by status code, and by OAuth `error` for polls. */
  statuses: Record<string, number>;
  outcomes: Record<string, number>;
  /** CPU time the load generator itself used while measuring, ms. */
  cpuMs: number;
  /** Time its main thread waited, runnable, for a CPU while measuring, ms (Linux). */
  runQueueMs?: number;
  /** Wall-clock time the measured part took, s. */
  seconds: number;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface Code {
  device_code: string;
  user_code: string;
}

/** What a connection remembers between a poll and its answer. */
interface PollContext {
  code?: number;
  early?: boolean;
}

/** Pending polls over many live codes: each code polled when due; a share deliberately early. */
function pollRequests(job: LoadJob, codes: Code[], outcomes: Record<string, number>) {
  const intervalMs = (job.interval ?? 5) * 1000;
  const bodies = codes.map((c) =>
    new URLSearchParams({
      grant_type: DEVICE_GRANT,
      device_code: c.device_code,
      client_id: 'demo-device',
    }).toString(),
  );
  const due = new Float64Array(codes.length); // when each code may next be polled (ms)
  const interval = new Float64Array(codes.length).fill(intervalMs);
  const earlyEvery = job.earlyShare ? Math.round(1 / job.earlyShare) : 0;
  let next = 0;
  let last = 0;
  let sent = 0;
  return [
    {
      method: 'POST' as const,
      path: '/oauth/token',
      headers: FORM,
      setupRequest: (req: autocannon.Request, context: PollContext) => {
        const now = performance.now();
        let i: number;
        context.early = false;
        if (earlyEvery && ++sent % earlyEvery === 0) {
          i = last; // the code polled just before: too early, the server must answer slow_down
          outcomes.sent_early = (outcomes.sent_early ?? 0) + 1;
          interval[i] += 5000; // as a well-behaved device does after slow_down (RFC 8628 §3.5)
          context.early = true;
        } else {
          // The next code that is due; if none is within reach, the pool is too small for this rate.
          i = next;
          for (let scanned = 0; scanned < 256 && due[i] > now; scanned++)
            i = (i + 1) % codes.length;
          if (due[i] > now)
            outcomes.sent_early_unplanned = (outcomes.sent_early_unplanned ?? 0) + 1;
          next = (i + 1) % codes.length;
        }
        due[i] = now + interval[i];
        last = i;
        context.code = i;
        return { ...req, body: bodies[i] };
      },
      onResponse: (_status: number, body: string, context: PollContext) => {
        const m = /"error":"([a-z_]+)"/.exec(body);
        const key = m ? m[1] : 'other';
        outcomes[key] = (outcomes[key] ?? 0) + 1;
        // An unplanned slow_down (another instance's load generator polled the same code just before, with
        // --shared-codes): the server has grown the code's interval by 5 s, and so does the device.
        if (key === 'slow_down' && !context.early && context.code !== undefined) {
          interval[context.code] += 5000;
          due[context.code] = performance.now() + interval[context.code];
        }
      },
    },
  ];
}

function requestsFor(job: LoadJob, outcomes: Record<string, number>): autocannon.Request[] {
  const codes: Code[] = job.codesFile ? JSON.parse(readFileSync(job.codesFile, 'utf8')) : [];
  switch (job.scenario) {
    case 'authorize': {
      let n = job.ipOffset ?? 0;
      return [
        {
          method: 'POST',
          path: '/oauth/device_authorization',
          body: 'client_id=demo-device&scope=read',
          setupRequest: (req: autocannon.Request) => {
            n++;
            const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
            return { ...req, headers: { ...FORM, 'x-forwarded-for': ip } };
          },
        } as autocannon.Request,
      ];
    }
    case 'bare':
      return [
        {
          method: 'POST',
          path: '/bench/bare',
          headers: FORM,
          body: new URLSearchParams({
            grant_type: DEVICE_GRANT,
            device_code: codes[0]?.device_code ?? 'x'.repeat(43),
            client_id: 'demo-device',
          }).toString(),
        },
      ];
    case 'verification': {
      // The verification page itself, as a signed-in user's browser uses it: each request submits one live
      // user code (POST /device, session cookies and CSRF token) and is redirected (303, the code kept in the
      // page session cookie) to the consent page.
      const page = job.page!;
      const bodies = codes.map((c) =>
        new URLSearchParams({ user_code: c.user_code, csrf_token: page.csrf }).toString(),
      );
      let i = 0;
      return [
        {
          method: 'POST',
          path: page.path,
          headers: { ...FORM, cookie: page.cookie, origin: page.origin },
          setupRequest: (req: autocannon.Request) => ({
            ...req,
            body: bodies[i++ % bodies.length],
          }),
          onResponse: (status: number, _body: string, _ctx: object, headers: unknown) => {
            // Raw header names, as the server cased them.
            const location = Object.entries((headers ?? {}) as Record<string, unknown>).find(
              ([name]) => name.toLowerCase() === 'location',
            )?.[1];
            const key =
              status === 303 && typeof location === 'string' && location.endsWith('/consent')
                ? 'to_consent_page'
                : `http_${status}`;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
          },
        } as autocannon.Request,
      ];
    }
    case 'poll':
      return pollRequests(job, codes, outcomes) as unknown as autocannon.Request[];
  }
}

function run(job: LoadJob, duration: number, requests: autocannon.Request[]) {
  return autocannon({ url: job.url, connections: job.connections, duration, requests });
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as LoadJob;
  const outcomes: Record<string, number> = {};
  // One set of requests for warm-up and measurement, so the poll schedule carries over (the server remembers
  // every poll of the warm-up).
  const requests = requestsFor(job, outcomes);
  if (job.warmup > 0) await run(job, job.warmup, requests);
  for (const k of Object.keys(outcomes)) delete outcomes[k];
  // Tells the orchestrator the measured part starts now (it samples CPU and database counters around it).
  process.stdout.write('LOAD_MEASURING\n');
  const cpu = process.cpuUsage();
  const waited = runQueueMs('self');
  const started = performance.now();
  const r = await run(job, job.duration, requests);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const waitedAfter = runQueueMs('self');
  const statuses: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statuses[code] = s.count ?? 0;
  const result: LoadResult = {
    scenario: job.scenario,
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    errors: r.errors,
    timeouts: r.timeouts,
    statuses,
    outcomes,
    cpuMs: (used.user + used.system) / 1000,
    seconds,
    runQueueMs:
      waited === undefined || waitedAfter === undefined ? undefined : waitedAfter - waited,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
