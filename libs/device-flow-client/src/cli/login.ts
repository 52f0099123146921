import type { ClientClock } from '../clock.js';
import { DeviceFlowClient } from '../device-flow-client.js';
import type { FetchLike } from '../http.js';
import type { DeviceFlowResult, PollEvent } from '../result.js';
import type { DeviceAuthorization } from '../types.js';
import { type LoginArgs, parseLoginArgs, USAGE, UsageError } from './args.js';
import { ExitCode } from './exit-codes.js';
import { terminalQr } from './qr.js';
import { formatRemaining, instructions, type Output, styles } from './terminal-ui.js';

/** What the CLI runs against: streams, environment, cancellation, and (for tests) a fetch. */
export interface LoginIo {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  fetch?: FetchLike;
  /** Polling time; tests pass a `VirtualClock`. The on-screen countdown always uses real time. */
  clock?: ClientClock;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * `device-login`: requests codes, shows them (link, large code, QR code), polls with a live countdown, and
 * prints the outcome. Returns the process exit code ({@link ExitCode}).
 */
export async function deviceLogin(argv: string[], io: LoginIo): Promise<ExitCode> {
  let args: LoginArgs | 'help';
  try {
    args = parseLoginArgs(argv, io.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`device-login: ${e.message}\n\n${USAGE}`);
    return ExitCode.Usage;
  }
  if (args === 'help') {
    io.stdout.write(USAGE);
    return ExitCode.Approved;
  }
  const client = new DeviceFlowClient({
    issuer: args.server,
    endpoints: {
      deviceAuthorizationEndpoint: args.deviceAuthorizationEndpoint,
      tokenEndpoint: args.tokenEndpoint,
    },
    clientId: args.clientId,
    clientSecret: args.clientSecret,
    authMethod: args.authMethod,
    userAgent: 'device-login (nest-device-flow)',
    fetch: io.fetch,
    clock: io.clock,
  });
  const ui = args.json ? new JsonUi(io) : new HumanUi(io, args.qr);
  const result = await client.authorize({
    scope: args.scope,
    signal: io.signal,
    timeoutMs: args.timeout === undefined ? undefined : args.timeout * 1000,
    onAuthorization: (auth) => ui.show(auth),
    onPoll: (event) => ui.progress(event),
  });
  ui.finish(result);
  return exitCodeOf(result);
}

/** The exit code of an outcome. */
export function exitCodeOf(result: DeviceFlowResult): ExitCode {
  switch (result.status) {
    case 'approved':
      return ExitCode.Approved;
    case 'denied':
      return ExitCode.Denied;
    case 'expired':
      return ExitCode.Expired;
    case 'timeout':
      return ExitCode.Timeout;
    case 'aborted':
      return ExitCode.Interrupted;
    case 'error':
      return ExitCode.Error;
  }
}

interface Ui {
  show(auth: DeviceAuthorization): void;
  progress(event: PollEvent): void;
  finish(result: DeviceFlowResult): void;
}

/** For scripts: one JSON object per line on stdout; a one-line hint for the person on stderr. */
class JsonUi implements Ui {
  constructor(private readonly io: LoginIo) {}

  show(auth: DeviceAuthorization): void {
    const { device_code: _secret, ...visible } = auth;
    this.line({ event: 'authorization', ...visible });
    this.io.stderr.write(`Open ${auth.verification_uri} and enter the code ${auth.user_code}\n`);
  }

  progress(): void {}

  finish(result: DeviceFlowResult): void {
    const { status } = result;
    if (result.status === 'approved') this.line({ event: 'result', status, token: result.token });
    else if (result.status === 'denied' || result.status === 'expired')
      this.line({ event: 'result', status, ...(result.error ? { error: result.error } : {}) });
    else if (result.status === 'error')
      this.line({ event: 'result', status, error: result.error.toJSON() });
    else this.line({ event: 'result', status });
  }

  private line(value: object): void {
    this.io.stdout.write(JSON.stringify(value) + '\n');
  }
}

/** For people: instructions, QR code, a live countdown on a TTY, then the outcome. */
class HumanUi implements Ui {
  private readonly tty: boolean;
  private readonly colour: boolean;
  private readonly s;
  private timer?: ReturnType<typeof setInterval>;
  private expiresAt = 0;
  private intervalMs = 0;
  private note = '';
  private frame = 0;

  constructor(
    private readonly io: LoginIo,
    private readonly qr: boolean,
  ) {
    this.tty = io.stdout.isTTY === true;
    this.colour = this.tty && !io.env.NO_COLOR;
    this.s = styles(this.colour);
  }

  show(auth: DeviceAuthorization): void {
    const qr =
      this.qr && auth.verification_uri_complete
        ? terminalQr(auth.verification_uri_complete, this.colour)
        : undefined;
    this.io.stdout.write(instructions(auth, this.s, { columns: this.io.stdout.columns ?? 80, qr }));
    this.expiresAt = Date.now() + auth.expires_in * 1000;
    this.intervalMs = (auth.interval ?? 5) * 1000;
    if (this.tty) {
      this.draw();
      this.timer = setInterval(() => this.draw(), 1000);
    } else {
      this.io.stdout.write(
        `  Waiting for approval (code expires in ${formatRemaining(auth.expires_in * 1000)})...\n`,
      );
    }
  }

  progress(event: PollEvent): void {
    if (event.type === 'slow_down') {
      this.intervalMs = event.intervalMs;
      this.note = 'server asked to slow down';
    } else if (event.type === 'retry') {
      this.note = `${event.reason}; retrying in ${Math.round(event.delayMs / 1000)} s`;
    } else this.note = '';
    if (this.tty) this.draw();
    else if (this.note) this.io.stdout.write(`  ${this.note}\n`);
  }

  finish(result: DeviceFlowResult): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.io.stdout.write('\r\x1b[2K');
    const { s } = this;
    const fail = (text: string) => this.io.stderr.write(`  ${s.red('✖')} ${text}\n`);
    switch (result.status) {
      case 'approved':
        this.io.stdout.write(`  ${s.green('✔')} ${s.bold('Approved.')} Token response:\n\n`);
        this.io.stdout.write(JSON.stringify(result.token, null, 2) + '\n');
        return;
      case 'denied':
        return void fail('Access denied: the request was declined.');
      case 'expired':
        return void fail('The code expired before it was approved. Run device-login again.');
      case 'timeout':
        return void fail('Timed out waiting for approval (--timeout).');
      case 'aborted':
        return void fail('Interrupted.');
      case 'error':
        return void fail(`Error: ${result.error.message}`);
    }
  }

  /** The status line: spinner, countdown, polling interval, and the latest note. */
  private draw(): void {
    const spin = SPINNER[this.frame++ % SPINNER.length]!;
    const left = formatRemaining(this.expiresAt - Date.now());
    const every = `polling every ${Math.round(this.intervalMs / 1000)} s`;
    const note = this.note ? ` · ${this.note}` : '';
    this.io.stdout.write(
      `\r\x1b[2K  ${spin} Waiting for approval · code expires in ${this.s.bold(left)} · ${this.s.dim(every + note)}`,
    );
  }
}
