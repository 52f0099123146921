// SIGTERM to the demo server while it is busy, as a rolling deploy does; counts what the clients got.
//   npm run build && node bench/shutdown-under-load.mjs [express|fastify] [port]
// Starts the demo (as built in dist/) on a fresh SQLite file, or on DATABASE_URL (and REDIS_URL) when set, keeps
// 30 keep-alive connections sending device authorizations and polls (half each), sends SIGTERM after 2 s, and
// prints the answers by status (5xx with their body), connection errors, and how long the process took to exit
// after the signal. Not a test: a measurement. Most answers are `authorization_pending` and, once the issuance
// limit is spent, 429: redemptions caught by a shutdown are covered by test/faults/graceful-shutdown.spec.ts.
// Give it a fresh database: on a reused one the issuance limit may refuse the first device authorization.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const adapter = process.argv[2] ?? 'express';
const port = Number(process.argv[3] ?? 4391);
const CONNECTIONS = 30;
const dir = mkdtempSync(join(tmpdir(), 'df-shutdown-'));
const server = spawn(process.execPath, ['dist/src/main.js'], {
  env: {
    ...process.env,
    PORT: String(port),
    HTTP_ADAPTER: adapter,
    DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(dir, 'demo.sqlite')}`,
  },
  stdio: 'ignore',
});
const exited = new Promise((resolve) =>
  server.once('exit', (code, signal) => resolve({ code, signal })),
);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
function post(path, body) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode, data }));
      },
    );
    req.on('error', (e) => resolve({ status: `connection error ${e.code}` }));
    req.end(body);
  });
}

// However this run ends, the demo it started goes with it.
process.on('exit', () => server.kill('SIGKILL'));
for (let i = 0; ; i++) {
  const up = await post('/oauth/device_authorization', 'client_id=demo-device&scope=read');
  if (up.status === 200) break;
  if (i > 100) {
    console.error(`the demo did not answer a device authorization: ${up.status} ${up.data ?? ''}`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}
const { device_code } = JSON.parse(
  (await post('/oauth/device_authorization', 'client_id=demo-device&scope=read')).data,
);

const counts = {};
let stopped = false;
let refused = 0;
async function client(i) {
  while (!stopped) {
    const r =
      i % 2
        ? await post(
            '/oauth/token',
            `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id=demo-device&device_code=${device_code}`,
          )
        : await post('/oauth/device_authorization', 'client_id=demo-device&scope=read');
    if (r.status === 'connection error ECONNREFUSED') {
      // The server no longer listens: this client is done.
      refused++;
      return;
    }
    const key =
      typeof r.status === 'number' && r.status >= 500 ? `${r.status} ${r.data}` : String(r.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
}
const clients = Array.from({ length: CONNECTIONS }, (_, i) => client(i));
await new Promise((r) => setTimeout(r, 2000));
const signalledAt = Date.now();
server.kill('SIGTERM');
const exit = await Promise.race([
  exited,
  new Promise((r) => setTimeout(() => r({ timeout: true }), 30_000)),
]);
const exitMs = Date.now() - signalledAt;
stopped = true;
await Promise.all(clients);
if (exit.timeout) server.kill('SIGKILL');
agent.destroy();
rmSync(dir, { recursive: true, force: true });
console.log(
  `demo on ${adapter} (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'SQLite'}${process.env.REDIS_URL ? ', REDIS_URL' : ''}): ` +
    `SIGTERM after 2 s of load from ${CONNECTIONS} keep-alive connections`,
);
console.log(
  exit.timeout
    ? 'the process had not exited 30 s after SIGTERM'
    : `exited ${exitMs} ms after SIGTERM (${JSON.stringify(exit)})`,
);
console.log('answers before the server stopped listening:');
for (const [k, n] of Object.entries(counts).sort()) console.log(`  ${String(n).padStart(7)}  ${k}`);
console.log(
  `  ${String(refused).padStart(7)}  clients refused (server no longer listening): the end of the run`,
);
