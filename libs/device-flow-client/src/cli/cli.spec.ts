import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeOAuthServer } from '../../../../test/support/fake-oauth-server.js';
import { decodeQrModules, modulesFromHalfBlocks } from '../../../../test/support/qr-decode.js';
import { VirtualClock } from '../clock.js';
import { parseLoginArgs, UsageError } from './args.js';
import { bigText, canRenderBig } from './big-text.js';
import { ExitCode } from './exit-codes.js';
import { deviceLogin } from './login.js';
import { terminalQr } from './qr.js';
import { formatRemaining, instructions, styles } from './terminal-ui.js';

describe('device-login arguments', () => {
  const parse = (...argv: string[]) => parseLoginArgs(argv, {});

  it('reads the documented options', () => {
    expect(
      parse(
        '--server',
        'http://h:3000/',
        '--client-id',
        'c',
        '--scope',
        'a b',
        '--auth-method',
        'post',
      ),
    ).toMatchObject({
      server: 'http://h:3000',
      clientId: 'c',
      scope: 'a b',
      authMethod: 'client_secret_post',
      json: false,
      qr: true,
    });
    expect(
      parseLoginArgs(['--server', 'http://h', '--client-id', 'c'], {
        DEVICE_LOGIN_CLIENT_SECRET: 's',
      }),
    ).toMatchObject({ clientSecret: 's', authMethod: 'client_secret_basic' });
    expect(parse('--help')).toBe('help');
  });

  it.each([
    [['--server', 'http://h'], /--client-id is required/],
    [['--client-id', 'c'], /give --server/],
    [['--server', 'ftp://h', '--client-id', 'c'], /must be an http\(s\) URL/],
    [['--server', 'http://h', '--client-id', 'c', '--timeout', '0'], /--timeout/],
    [['--server', 'http://h', '--client-id', 'c', '--auth-method', 'jwt'], /basic or post/],
    [['--server', 'http://h', '--client-id', 'c', '--bogus'], /bogus/],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(...argv)).toThrow(UsageError);
    expect(() => parse(...argv)).toThrow(message);
  });
});

describe('device-login rendering', () => {
  it('draws the code in five rows of block letters', () => {
    const rows = bigText('WDJB-MJHT');
    expect(rows).toHaveLength(5);
    expect(rows.join('')).toMatch(/^[█ ]+$/);
    expect(canRenderBig('WDJB-MJHT')).toBe(true);
    expect(canRenderBig('ÄÖ')).toBe(false);
  });

  it('formats the countdown', () => {
    expect(formatRemaining(1_800_000)).toBe('30:00');
    expect(formatRemaining(61_001)).toBe('1:02');
    expect(formatRemaining(3_600_000 + 5000)).toBe('1:00:05');
    expect(formatRemaining(-5)).toBe('0:00');
  });

  it('draws a QR code that decodes to the link, also for a long link', () => {
    for (const url of [
      'http://localhost:3000/device?user_code=WDJB-MJHT',
      `https://auth.example.com/${'tenant/'.repeat(20)}device?user_code=123-456-789`,
    ]) {
      expect(decodeQrModules(modulesFromHalfBlocks(terminalQr(url).split('\n')))).toBe(url);
    }
  });
});

describe('instructions', () => {
  const auth = {
    device_code: 'd',
    user_code: 'WDJB-MJHT',
    verification_uri: 'http://h/device',
    verification_uri_complete: 'http://h/device?user_code=WDJB-MJHT',
    expires_in: 600,
  };
  const qr = terminalQr(auth.verification_uri_complete, true);

  it('shows link, large code, plain code and the QR code on a wide terminal', () => {
    const text = instructions(auth, styles(false), { columns: 100, qr });
    expect(text).toContain('http://h/device');
    expect(text).toContain(bigText('WDJB-MJHT')[0]);
    expect(text).toMatch(/^ {7}WDJB-MJHT$/m);
    expect(text).toContain('scan this QR code');
  });

  it('leaves out what does not fit a narrow terminal, but never the plain code', () => {
    const text = instructions(auth, styles(false), { columns: 30, qr });
    expect(text).not.toContain(bigText('WDJB-MJHT')[0]);
    expect(text).toMatch(/^ {7}WDJB-MJHT$/m);
    expect(text).toContain('too narrow for the QR code');
  });
});

describe('deviceLogin (in process, virtual time)', () => {
  let server: FakeOAuthServer;
  let out: string;
  let err: string;
  beforeEach(async () => {
    server = await FakeOAuthServer.start();
    server.script('/da', {
      status: 200,
      json: {
        device_code: 'd',
        user_code: 'WDJB-MJHT',
        verification_uri: `${server.url}/device`,
        verification_uri_complete: `${server.url}/device?user_code=WDJB-MJHT`,
        expires_in: 600,
        interval: 5,
      },
    });
    out = err = '';
  });
  afterEach(() => server.close());

  const run = (...extra: string[]) =>
    deviceLogin(
      [
        '--device-authorization-endpoint',
        `${server.url}/da`,
        '--token-endpoint',
        `${server.url}/token`,
        '--client-id',
        'tv',
        ...extra,
      ],
      {
        stdout: { write: (s: string) => (out += s), isTTY: false },
        stderr: { write: (s: string) => (err += s) },
        env: {},
        clock: new VirtualClock(),
      },
    );

  it('without a terminal: no colour, no countdown, progress notes as lines, exit 0 with the token', async () => {
    server.script(
      '/token',
      { status: 400, json: { error: 'slow_down' } },
      { status: 503, json: { error: 'temporarily_unavailable' } },
      { status: 200, json: { access_token: 'at', token_type: 'Bearer' } },
    );
    expect(await run()).toBe(ExitCode.Approved);
    expect(out).not.toContain('\x1b[');
    expect(out).toContain('Waiting for approval (code expires in 10:00)...');
    expect(out).toContain('server asked to slow down');
    expect(out).toContain('HTTP 503 temporarily_unavailable; retrying in 20 s');
    expect(JSON.parse(out.slice(out.indexOf('{')))).toEqual({
      access_token: 'at',
      token_type: 'Bearer',
    });
  });

  it.each([
    ['access_denied', ExitCode.Denied, 'Access denied'],
    ['expired_token', ExitCode.Expired, 'code expired'],
    ['invalid_client', ExitCode.Error, 'Error: token request: invalid_client'],
  ])('%s → exit %i', async (error, code, message) => {
    server.script('/token', { status: 400, json: { error } });
    expect(await run('--no-qr')).toBe(code);
    expect(err).toContain(message);
    expect(out).not.toContain('scan this QR code');
  });

  it('--json writes only JSON lines to stdout', async () => {
    server.script('/token', { status: 400, json: { error: 'access_denied' } });
    expect(await run('--json')).toBe(ExitCode.Denied);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.event)).toEqual(['authorization', 'result']);
    expect(lines[1]).toEqual({
      event: 'result',
      status: 'denied',
      error: { error: 'access_denied' },
    });
    expect(err).toBe(`Open ${server.url}/device and enter the code WDJB-MJHT\n`);
  });
});
