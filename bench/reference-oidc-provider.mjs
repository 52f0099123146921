// The reference point, measured on this machine: node-oidc-provider 8 (Koa, its storage in a Map in
// the same process) answering the same pending polls and device authorization requests as `npm run bench`
// sends, with the same load generator (dist/bench/load.js), server on CPU 0 and load on CPU 1.
//
// node-oidc-provider is not a dependency of this project. Install it beside the checkout first:
//   npm install --prefix .tmp/oidc-provider oidc-provider@8
//   npm run build
//   node bench/reference-oidc-provider.mjs [--codes 40000] [--duration 10] [--connections 50] [--out DIR]
//     [--provider-dir .tmp/oidc-provider]
// Prints a table and writes reference-oidc-provider.json to --out (default .tmp/bench).
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pinnedTo, runLoad } from '../dist/bench/processes.js';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const providerDir = resolve(arg('provider-dir', '.tmp/oidc-provider'));
const INTERVAL = 1; // seconds, as the module's bench server (DEVICE_FLOW_INTERVAL=1)

/** Loads oidc-provider from --provider-dir, or explains how to install it. */
async function loadProvider() {
  let entry;
  try {
    entry = createRequire(join(providerDir, 'package.json')).resolve('oidc-provider');
  } catch {
    console.error(
      `oidc-provider is not installed in ${providerDir}.\n` +
        `Install it there first (it is not a dependency of this project):\n` +
        `  npm install --prefix ${providerDir} oidc-provider@8`,
    );
    process.exit(2);
  }
  return (await import(pathToFileURL(entry).href)).default;
}

/**
 * Storage for the reference: a plain Map, nothing evicted (oidc-provider's own development adapter keeps only
 * the last 1,000 entries, so polls over 40,000 codes would mostly meet `invalid_grant`), expiry checked on read.
 * Written against oidc-provider's documented adapter interface; in-process, so it costs the reference no
 * database round trip at all, where the module's polls each write to SQLite.
 */
const store = new Map();
class MapAdapter {
  constructor(model) {
    this.model = model;
  }
  get(key) {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt && entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.value;
  }
  set(key, value, expiresIn) {
    store.set(key, { value, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
  }
  async upsert(id, payload, expiresIn) {
    this.set(`${this.model}:${id}`, payload, expiresIn);
    if (payload.userCode) this.set(`userCode:${payload.userCode}`, id, expiresIn);
    if (payload.uid) this.set(`uid:${this.model}:${payload.uid}`, id, expiresIn);
    if (payload.grantId) {
      const ids = this.get(`grant:${payload.grantId}`) ?? [];
      ids.push(`${this.model}:${id}`);
      this.set(`grant:${payload.grantId}`, ids, expiresIn);
    }
  }
  async find(id) {
    return this.get(`${this.model}:${id}`);
  }
  async findByUserCode(userCode) {
    const id = this.get(`userCode:${userCode}`);
    return id === undefined ? undefined : this.find(id);
  }
  async findByUid(uid) {
    const id = this.get(`uid:${this.model}:${uid}`);
    return id === undefined ? undefined : this.find(id);
  }
  async consume(id) {
    const payload = await this.find(id);
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    store.delete(`${this.model}:${id}`);
  }
  async revokeByGrantId(grantId) {
    for (const key of this.get(`grant:${grantId}`) ?? []) store.delete(key);
    store.delete(`grant:${grantId}`);
  }
}

/** The server half: `--serve`, started pinned by the orchestrator below. */
async function serve() {
  const Provider = await loadProvider();
  const version = createRequire(join(providerDir, 'package.json'))(
    'oidc-provider/package.json',
  ).version;
  const provider = new Provider('http://127.0.0.1', {
    adapter: MapAdapter,
    clients: [
      {
        client_id: 'demo-device',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    scopes: ['openid', 'read'],
    features: { deviceFlow: { enabled: true }, devInteractions: { enabled: false } },
    // The same paths the module serves, so that the one load generator drives both.
    routes: { token: '/oauth/token', device_authorization: '/oauth/device_authorization' },
  });
  const server = provider.listen(0, '127.0.0.1', () => {
    process.stdout.write(`REFERENCE_READY ${server.address().port} ${version}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

function startServer() {
  const [cmd, ...pre] = [...pinnedTo(0), process.execPath];
  const child = spawn(cmd, [...pre, process.argv[1], '--serve', '--provider-dir', providerDir], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /REFERENCE_READY (\d+) (\S+)/.exec(out);
      if (m) ok({ child, base: `http://127.0.0.1:${m[1]}`, version: m[2] });
    });
    child.on('exit', (code) =>
      fail(new Error(`reference server exited (${code}) before it was ready`)),
    );
  });
}

/** Device authorizations through the reference's own endpoint, eight at a time. */
async function seed(base, n) {
  const codes = [];
  let left = n;
  const worker = async () => {
    while (left-- > 0) {
      const res = await fetch(`${base}/oauth/device_authorization`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'client_id=demo-device&scope=read',
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`seeding failed: ${res.status} ${JSON.stringify(body)}`);
      codes.push({ device_code: body.device_code, user_code: body.user_code });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return codes;
}

async function main() {
  const codeCount = Number(arg('codes', '40000'));
  const duration = Number(arg('duration', '10'));
  const connections = Number(arg('connections', '50'));
  const outDir = resolve(arg('out', '.tmp/bench'));
  mkdirSync(outDir, { recursive: true });
  await loadProvider(); // fails early, with the install command, when it is missing
  const server = await startServer();
  try {
    const codes = await seed(server.base, codeCount);
    const codesFile = join(outDir, `reference-codes-${process.pid}.json`);
    writeFileSync(codesFile, JSON.stringify(codes));
    const common = { url: server.base, connections, duration, warmup: 3, interval: INTERVAL };
    const poll = await runLoad(
      { ...common, scenario: 'poll', codesFile, earlyShare: 0.05 },
      1,
    ).finally(
      () => rmSync(codesFile, { force: true }), // the load generator's input, not a result
    );
    const authorize = await runLoad({ ...common, scenario: 'authorize' }, 1);
    const report = {
      server: `oidc-provider ${server.version} (Koa, storage in a Map in its process), NODE_ENV=production`,
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`,
      loadAverageBefore: loadavg(),
      pinned: pinnedTo(0).length > 0,
      codes: codeCount,
      results: { poll, authorize },
    };
    writeFileSync(
      join(outDir, 'reference-oidc-provider.json'),
      JSON.stringify(report, null, 2) + '\n',
    );
    console.log(`${report.server}; ${report.machine}`);
    console.log('| Scenario | req/s | p50 ms | p99 ms | answers |');
    console.log('| --- | ---: | ---: | ---: | --- |');
    for (const [name, r] of Object.entries(report.results)) {
      const answers = Object.entries({ ...r.statuses, ...r.outcomes })
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      console.log(
        `| ${name} | ${Math.round(r.requestsPerSecond)} | ${r.p50} | ${r.p99} | ${answers} |`,
      );
    }
  } finally {
    server.child.kill('SIGTERM');
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
