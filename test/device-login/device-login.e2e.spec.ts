import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../libs/device-flow/src/index.js';
import { buildDeviceLogin } from '../support/device-login-build.js';
import { FakeOAuthServer } from '../support/fake-oauth-server.js';
import { createListeningTestApp, type ListeningTestApp } from '../support/listening-app.js';
import { decodeQrModules, modulesFromHalfBlocks } from '../support/qr-decode.js';
import { CONFIDENTIAL_SECRET } from '../support/test-app.js';

/**
 * `device-login` as a person and as a script use it: in a real pseudo-terminal (tmux) and through pipes, against
 * the module's server on real time with a 1 s polling interval.
 */
const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasTmux && process.env.CI !== 'true') {
  console.warn('device-login pty tests skipped: tmux is not installed (`apt-get install tmux`)');
}

let cli: { main: string; cleanup: () => void };
let t: ListeningTestApp;
beforeAll(async () => {
  cli = buildDeviceLogin();
  t = await createListeningTestApp({ clock: new SystemClock(), interval: 1 });
}, 120_000);
afterAll(async () => {
  await t?.close();
  cli?.cleanup();
});

const USER_CODE = /\b([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})\b/;

async function until<T>(what: string, probe: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!hasTmux && process.env.CI !== 'true')('device-login in a pseudo-terminal', () => {
  const socket = `device-login-test-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'device-login-'));
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: 'pipe' });
  let session = 0;
  let name = '';
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', name);
  const exitCode = () => {
    const f = join(dir, `${name}.exit`);
    return existsSync(f) && readFileSync(f, 'utf8').trim()
      ? Number(readFileSync(f, 'utf8'))
      : undefined;
  };

  /** Runs the CLI in a fresh 100×70 terminal; the exit status is written to a file when it ends. */
  function run(args: string): void {
    name = `s${++session}`;
    const exit = join(dir, `${name}.exit`);
    const command = `${process.execPath} ${cli.main} --server ${t.url} ${args}; echo $? > ${exit}; sleep 60`;
    tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '70', 'bash', '-c', command);
  }

  beforeAll(() => {
    // Kept open for the whole suite, so that the tmux server never exits between tests: it exits when its last
    // session ends, and a session started while it is exiting fails ("server exited unexpectedly").
    tmux('new-session', '-d', '-s', 'keepalive', 'sleep 3600');
  });
  afterEach(() => {
    try {
      tmux('kill-session', '-t', name);
    } catch {
      // already gone
    }
  });
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // no server left
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the link, a large code, a scannable QR code and a live countdown; prints the token on approval', async () => {
    run('--client-id tv --scope "read profile"');
    const first = await until('the instructions', () =>
      /code expires in/.test(screen()) ? screen() : undefined,
    );
    const userCode = USER_CODE.exec(first)![1]!;
    expect(first).toContain(`${t.url}/device`);
    // The code in 5-row block letters: each row of the banner is made of blocks and spaces only.
    const banner = first.split('\n').filter((l) => /^ {7}[█ ]{40,}$/.test(l));
    expect(banner).toHaveLength(5);
    // The QR code, read back from the screen by an independent decoder.
    const lines = first.split('\n');
    const start = lines.findIndex((l) => l.includes('scan this QR code')) + 2;
    const qrLines = lines.slice(start, lines.indexOf('', start)).map((l) => l.slice(2));
    expect(qrLines.length).toBeGreaterThan(10);
    expect(decodeQrModules(modulesFromHalfBlocks(qrLines))).toBe(
      `${t.url}/device?user_code=${userCode}`,
    );
    // The countdown moves while polling.
    const left = (s: string) => /code expires in (\d+:\d\d)/.exec(s)![1];
    expect(left(first)).toMatch(/^(30:00|29:[0-5]\d)$/);
    expect(first).toContain('polling every 1 s');
    const before = left(first);
    await until(
      'the countdown to tick',
      () => (left(screen()) !== before ? true : undefined),
      5000,
    );

    await t.grants.approve(userCode, 'alice');
    expect(await until('exit', exitCode)).toBe(0);
    const last = screen();
    expect(last).toContain('Approved.');
    const json = last.slice(last.indexOf('{'), last.lastIndexOf('}') + 1);
    expect(JSON.parse(json)).toMatchObject({
      token_type: 'Bearer',
      scope: 'read profile',
      expires_in: 3600,
    });
    expect(last).not.toContain('Waiting for approval');
  });

  it('exits 3 with a message when the user denies', async () => {
    run(`--client-id secret-tv --client-secret ${CONFIDENTIAL_SECRET} --no-qr`);
    const first = await until('the code', () => USER_CODE.exec(screen())?.[1]);
    expect(screen()).not.toContain('scan this QR code');
    await t.grants.deny(first);
    expect(await until('exit', exitCode)).toBe(3);
    expect(screen()).toContain('Access denied');
  });

  it('exits 130 on Ctrl-C', async () => {
    run('--client-id tv');
    await until('the countdown', () => (/code expires in/.test(screen()) ? true : undefined));
    tmux('send-keys', '-t', name, 'C-c');
    expect(await until('exit', exitCode)).toBe(130);
    expect(screen()).toContain('Interrupted.');
  });
});

describe('device-login --json', () => {
  /** Runs the CLI with pipes; calls `onLine` for each stdout line as it arrives. */
  function runJson(
    args: string[],
    onLine: (line: Record<string, unknown>) => void | Promise<void> = () => {},
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [cli.main, ...args], {
        env: { ...process.env, ...env },
      });
      const lines: Record<string, unknown>[] = [];
      let buf = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        buf += chunk;
        for (let i; (i = buf.indexOf('\n')) >= 0;) {
          const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
          buf = buf.slice(i + 1);
          lines.push(line);
          void Promise.resolve(onLine(line)).catch(reject);
        }
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, lines, stderr }));
    });
  }

  it('prints the authorization, then the token response, one JSON object per line; exits 0', async () => {
    const { code, lines, stderr } = await runJson(
      [
        '--server',
        t.url,
        '--client-id',
        'secret-tv',
        '--scope',
        'read',
        '--json',
        '--auth-method',
        'post',
      ],
      async (line) => {
        if (line.event === 'authorization')
          await t.grants.approve(line.user_code as string, 'carol');
      },
      { DEVICE_LOGIN_CLIENT_SECRET: CONFIDENTIAL_SECRET },
    );
    expect(code).toBe(0);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      event: 'authorization',
      verification_uri: `${t.url}/device`,
      expires_in: 1800,
      interval: 1,
    });
    expect(lines[0]).not.toHaveProperty('device_code');
    expect(lines[1]).toMatchObject({
      event: 'result',
      status: 'approved',
      token: { scope: 'read' },
    });
    expect(stderr).toContain(lines[0]!.user_code as string);
  });

  it('exits 1 with a typed error for an unknown client, and 2 for bad arguments', async () => {
    const bad = await runJson(['--server', t.url, '--client-id', 'nobody', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.lines).toEqual([
      {
        event: 'result',
        status: 'error',
        error: expect.objectContaining({
          kind: 'oauth',
          status: 401,
          oauth: expect.objectContaining({ error: 'invalid_client' }),
        }),
      },
    ]);
    const usage = await runJson(['--client-id', 'tv', '--json']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give --server');
  });

  it('exits 4 when the server says expired_token, and 5 at --timeout', async () => {
    const fake = await FakeOAuthServer.start();
    try {
      fake.script('/da', {
        status: 200,
        json: {
          device_code: 'd',
          user_code: 'ABCD',
          verification_uri: `${fake.url}/device`,
          expires_in: 60,
          interval: 1,
        },
      });
      fake.script('/token', { status: 400, json: { error: 'expired_token' } });
      const endpoints = [
        '--device-authorization-endpoint',
        `${fake.url}/da`,
        '--token-endpoint',
        `${fake.url}/token`,
      ];
      const expired = await runJson([...endpoints, '--client-id', 'tv', '--json']);
      expect(expired.code).toBe(4);
      expect(expired.lines[1]).toEqual({
        event: 'result',
        status: 'expired',
        error: { error: 'expired_token' },
      });

      fake.script('/token', { status: 400, json: { error: 'authorization_pending' } });
      const timeout = await runJson([
        ...endpoints,
        '--client-id',
        'tv',
        '--json',
        '--timeout',
        '1.5',
      ]);
      expect(timeout.code).toBe(5);
      expect(timeout.lines[1]).toEqual({ event: 'result', status: 'timeout' });
    } finally {
      await fake.close();
    }
  });
});
