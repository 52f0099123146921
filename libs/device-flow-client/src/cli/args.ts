import { parseArgs } from 'node:util';

/** What `device-login` was asked to do. */
export interface LoginArgs {
  server?: string;
  clientId: string;
  clientSecret?: string;
  authMethod: 'client_secret_basic' | 'client_secret_post';
  scope?: string;
  deviceAuthorizationEndpoint?: string;
  tokenEndpoint?: string;
  /** Seconds; undefined = until the code expires. */
  timeout?: number;
  json: boolean;
  qr: boolean;
}

/** The `--help` text. */
export const USAGE = `Usage: device-login --server URL --client-id ID [options]

Signs a device in with the OAuth 2.0 Device Authorization Grant (RFC 8628): shows a link, a code and a QR
code, waits while you approve in a browser, then prints the token response.

Options:
  --server URL                  Issuer; endpoints come from its RFC 8414 metadata
  --client-id ID                OAuth client id (required)
  --client-secret SECRET        For a confidential client (or set DEVICE_LOGIN_CLIENT_SECRET)
  --auth-method basic|post      How the secret is sent (default basic)
  --scope "A B"                 Scopes to request
  --device-authorization-endpoint URL, --token-endpoint URL
                                Explicit endpoints, for servers without metadata
  --timeout SECONDS             Give up sooner than the code's expiry
  --no-qr                       Do not draw the QR code
  --json                        Machine output: one JSON object per line on stdout
  -h, --help                    This text

Exit codes: 0 approved, 1 error, 2 usage, 3 denied, 4 expired, 5 timeout, 130 interrupted.
`;

/** Thrown for bad arguments; the CLI prints the message and the usage and exits 2. */
export class UsageError extends Error {}

/** Parses the command line; returns `'help'` for `--help`. */
export function parseLoginArgs(argv: string[], env: NodeJS.ProcessEnv): LoginArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        server: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'auth-method': { type: 'string' },
        scope: { type: 'string' },
        'device-authorization-endpoint': { type: 'string' },
        'token-endpoint': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-qr': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  const clientId = values['client-id'];
  if (!clientId) throw new UsageError('--client-id is required');
  const device = values['device-authorization-endpoint'];
  const token = values['token-endpoint'];
  if (!values.server && !(device && token)) {
    throw new UsageError(
      'give --server, or both --device-authorization-endpoint and --token-endpoint',
    );
  }
  for (const [name, url] of [
    ['--server', values.server],
    ['--device-authorization-endpoint', device],
    ['--token-endpoint', token],
  ] as const) {
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) {
      throw new UsageError(`${name} must be an http(s) URL, got ${url}`);
    }
  }
  const method = values['auth-method'] ?? 'basic';
  if (method !== 'basic' && method !== 'post')
    throw new UsageError('--auth-method is basic or post');
  let timeout: number | undefined;
  if (values.timeout !== undefined) {
    timeout = Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0)
      throw new UsageError('--timeout must be positive seconds');
  }
  return {
    server: values.server?.replace(/\/+$/, ''),
    clientId,
    clientSecret: values['client-secret'] ?? (env.DEVICE_LOGIN_CLIENT_SECRET || undefined),
    authMethod: method === 'post' ? 'client_secret_post' : 'client_secret_basic',
    scope: values.scope,
    deviceAuthorizationEndpoint: device,
    tokenEndpoint: token,
    timeout,
    json: values.json,
    qr: !values['no-qr'],
  };
}
