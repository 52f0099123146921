// Consumer test: proves libs/device-flow works as an npm package for a real integrator.
//
// 1. `npm pack` the library (its prepack builds it) and check the tarball holds only what should ship.
// 2. Create a throwaway NestJS 12 app in a temp folder (test/consumer/fixture) that installs the tarball and its
//    peers from the registry (the versions this repo uses, so the npm cache serves them).
// 3. Check the package's `exports`: the root entry loads, internal paths do not.
// 4. Compile the app with tsc in strict mode (ESM, nodenext, skipLibCheck off, so the shipped .d.ts are checked),
//    without the optional peers ioredis and @nestjs/swagger installed (the app uses neither Redis storage nor
//    OpenAPI), which step 5 then runs without.
// 5. Start it and complete a device flow over HTTP: device authorization → approval through the exported
//    DeviceGrantService (the app's own controller) → token, plus a replay and the metadata document; once on
//    @nestjs/platform-express and once on @nestjs/platform-fastify (the same compiled app, CONSUMER_ADAPTER).
//
// Exits non-zero with the reason on any failure; keeps the temp folder then (or always with --keep).
// Usage: node test/consumer/run.mjs [--keep]   (npm run test:consumer)
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const library = join(repo, 'libs', 'device-flow');
const fixture = join(repo, 'test', 'consumer', 'fixture');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'ndf-consumer-'));
const app = join(work, 'app');
const started = Date.now();
let server;

/** Versions of the peers as installed in this repo, so the consumer resolves them from the npm cache. */
function installed(name) {
  return JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function step(title) {
  console.log(`[consumer ${((Date.now() - started) / 1000).toFixed(1)}s] ${title}`);
}

function fail(message) {
  throw new Error(message);
}

function expect(condition, message) {
  if (!condition) fail(message);
}

function run(command, args, cwd, env = {}) {
  return execFileSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Packs the library and checks what the tarball holds. */
function pack() {
  step('npm pack libs/device-flow (prepack builds it)');
  const out = run('npm', ['pack', '--json', '--pack-destination', work], library);
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  const files = info.files.map((f) => f.path).sort();
  const required = [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'API.md',
    'dist/index.js',
    'dist/index.d.ts',
  ];
  for (const f of required) expect(files.includes(f), `tarball lacks ${f}`);
  const stray = files.filter(
    (f) =>
      !required.includes(f) &&
      !(
        f.startsWith('dist/') &&
        (f.endsWith('.js') || f.endsWith('.d.ts') || !/\.[cm]?tsx?$/.test(f))
      ),
  );
  expect(stray.length === 0, `tarball holds files that should not ship: ${stray.join(', ')}`);
  const tests = files.filter((f) =>
    /(\.(spec|test)\.)|(^|\/)(__tests__|__fixtures__|fixtures|testing)\//.test(f),
  );
  expect(tests.length === 0, `tarball holds test files: ${tests.join(', ')}`);
  console.log(
    `  ${info.filename}: ${files.length} files, ${info.size} bytes packed, ${info.unpackedSize} bytes unpacked`,
  );
  return join(work, info.filename);
}

/** Writes the throwaway app and installs the tarball plus its peers. */
function createApp(tarball) {
  step('create the throwaway app and npm install the tarball + peers');
  cpSync(fixture, app, { recursive: true });
  const pkg = {
    name: 'device-flow-consumer',
    version: '0.0.0',
    private: true,
    type: 'module',
    allowScripts: { 'better-sqlite3': true },
    dependencies: {
      'nest-device-flow': `file:${tarball}`,
      ...Object.fromEntries(
        [
          '@nestjs/common',
          '@nestjs/core',
          '@nestjs/platform-express',
          '@nestjs/platform-fastify',
          'better-sqlite3',
          // Not ioredis nor @nestjs/swagger: optional peers this app does not use (no `storage: 'redis'`, no
          // OpenAPI document). The package's declarations must compile without them, with skipLibCheck off
          // (below), and the module must run without them.
          'reflect-metadata',
          'rxjs',
          'typeorm',
        ].map((n) => [n, installed(n)]),
      ),
    },
    devDependencies: Object.fromEntries(
      ['typescript', '@types/node', '@types/express'].map((n) => [n, installed(n)]),
    ),
  };
  writeFileSync(join(app, 'package.json'), JSON.stringify(pkg, null, 2));
  // better-sqlite3's prebuilt download cannot be reached from here: build its native part from source at once
  // instead of waiting for the download to time out.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], app, {
    npm_config_build_from_source: 'true',
    JOBS: 'max', // node-gyp: compile SQLite and the binding in parallel
  });
  run('npm', ['ls', '--all'], app);
  for (const optional of ['ioredis', '@nestjs/swagger'])
    expect(
      !existsSync(join(app, 'node_modules', optional)),
      `npm installed the optional peer ${optional}: the test would not show the package works without it`,
    );
}

/** The package's `exports`: the root entry is ESM with the public API; internal paths are closed. */
function checkExports() {
  step('check the exports map');
  const probe = `
    const api = await import('nest-device-flow');
    for (const name of ['DeviceFlowModule', 'DeviceGrantService', 'UserCodeGenerator', 'DEVICE_FLOW_ENTITIES'])
      if (!api[name]) throw new Error('nest-device-flow does not export ' + name);
    await import('nest-device-flow/package.json', { with: { type: 'json' } });
    for (const path of ['nest-device-flow/dist/index.js', 'nest-device-flow/dist/grant/device-grant.service.js']) {
      try { await import(path); } catch (e) {
        if (e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') continue;
        throw e;
      }
      throw new Error('internal path is importable: ' + path);
    }`;
  run(process.execPath, ['--input-type=module', '-e', probe], app);
}

function compile() {
  step('tsc (strict, nodenext, skipLibCheck false)');
  run(
    process.execPath,
    [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    app,
  );
}

/** Starts the compiled app; resolves with its base URL once it listens. */
function start(adapter) {
  step(`start the app on ${adapter}`);
  server = spawn(process.execPath, ['dist/main.js'], {
    cwd: app,
    env: {
      ...process.env,
      CONSUMER_DB: join(app, `consumer-${adapter}.sqlite`),
      CONSUMER_ADAPTER: adapter,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`app did not start in 30 s:\n${output}`)),
      30_000,
    );
    const onData = (chunk) => {
      output += chunk;
      const m = /consumer listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', (chunk) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`app exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

async function post(base, path, body, type = 'form') {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: {
      'content-type': type === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
    },
    body: type === 'form' ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

function show(value) {
  return JSON.stringify(value);
}

/** One complete device flow over HTTP. */
async function deviceFlow(base) {
  step('device flow over HTTP');
  const grantType = 'urn:ietf:params:oauth:grant-type:device_code';
  const auth = await post(base, '/oauth/device_authorization', {
    client_id: 'consumer-tv',
    scope: 'read',
  });
  expect(auth.status === 200, `device authorization: ${auth.status} ${show(auth.body)}`);
  expect(auth.headers.get('cache-control') === 'no-store', 'device authorization lacks no-store');
  const { device_code, user_code, verification_uri, interval } = auth.body;
  expect(/^[0-9a-f]{12}[A-Za-z0-9_-]{43}$/.test(device_code), `device_code ${device_code}`);
  expect(
    /^WDJB-[A-Z]{4}$/.test(user_code),
    `user_code ${user_code} is not from the host's generator`,
  );
  expect(
    verification_uri === 'https://auth.consumer.example/device',
    `verification_uri ${verification_uri}`,
  );
  expect(interval === 1, `interval ${interval}`);

  const poll = () =>
    post(base, '/oauth/token', { grant_type: grantType, device_code, client_id: 'consumer-tv' });
  const pending = await poll();
  expect(
    pending.status === 400 && pending.body.error === 'authorization_pending',
    `first poll: ${pending.status} ${show(pending.body)}`,
  );

  const approval = await post(base, '/verify', { user_code, user: 'alice' }, 'json');
  expect(
    approval.status === 200 && approval.body.approved === true && approval.body.scope === 'read',
    `approval through DeviceGrantService: ${approval.status} ${show(approval.body)}`,
  );

  await new Promise((r) => setTimeout(r, interval * 1000 + 100)); // the real clock: respect the interval
  const token = await poll();
  expect(token.status === 200, `token: ${token.status} ${show(token.body)}`);
  expect(token.headers.get('cache-control') === 'no-store', 'token response lacks no-store');
  expect(
    token.body.token_type === 'Bearer' && token.body.scope === 'read',
    `token: ${show(token.body)}`,
  );
  expect(/^[A-Za-z0-9_-]{43}$/.test(token.body.access_token), 'access_token');

  await new Promise((r) => setTimeout(r, interval * 1000 + 100));
  const replay = await poll();
  expect(
    replay.status === 400 && replay.body.error === 'invalid_grant',
    `replayed device code: ${replay.status} ${show(replay.body)}`,
  );

  const metadata = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
  expect(
    metadata.issuer === 'https://auth.consumer.example' &&
      metadata.device_authorization_endpoint ===
        'https://auth.consumer.example/oauth/device_authorization',
    `metadata: ${show(metadata)}`,
  );
}

async function stop() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  step('stop the app');
  const exited = new Promise((r) => server.once('exit', (code, signal) => r(code ?? signal)));
  server.kill('SIGTERM');
  const timeout = setTimeout(() => server.kill('SIGKILL'), 10_000);
  console.log(`  app ended: ${await exited}`);
  clearTimeout(timeout);
}

let ok = false;
try {
  const tarball = pack();
  createApp(tarball);
  checkExports();
  compile();
  for (const adapter of ['express', 'fastify']) {
    await deviceFlow(await start(adapter));
    await stop();
  }
  ok = true;
} catch (e) {
  console.error(`\nconsumer test FAILED: ${e.message}`);
} finally {
  await stop();
  if (ok && !keep) {
    step('remove the temp folder');
    rmSync(work, { recursive: true, force: true });
  } else console.log(`  temp folder kept: ${work}`);
}
console.log(
  ok
    ? `consumer test passed in ${((Date.now() - started) / 1000).toFixed(1)} s`
    : 'consumer test failed',
);
process.exit(ok ? 0 : 1);
