import type { DeviceAuthorization } from '../types.js';
import { bigText, canRenderBig } from './big-text.js';

/** Where the CLI writes; `process.stdout` satisfies it. */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Text styles, or none when colour is off (not a TTY, or `NO_COLOR` set: https://no-color.org). */
export interface Styles {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
}

/** ANSI styles when `enabled`, identity otherwise. */
export function styles(enabled: boolean): Styles {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return { bold: wrap(1, 22), dim: wrap(2, 22), green: wrap(32, 39), red: wrap(31, 39) };
}

/** `mm:ss` (or `h:mm:ss`) of a non-negative number of milliseconds, rounded up to whole seconds. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(h ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return h ? `${h}:${mmss}` : mmss;
}

/**
 * The instructions a person needs: the link, the code (large, and plain for copying) and, when given,
 * a QR code of `verification_uri_complete`.
 *
 * @see RFC 8628 §3.3, §3.3.1 (non-textual verification URI optimisation)
 */
export function instructions(
  auth: DeviceAuthorization,
  s: Styles,
  options: { columns: number; qr?: string },
): string {
  const lines: string[] = ['', s.bold('  Sign in on another device'), ''];
  lines.push(
    '  1. Open this link in a browser:',
    '',
    `       ${s.bold(auth.verification_uri)}`,
    '',
  );
  lines.push('  2. Enter this code:', '');
  const big = bigText(auth.user_code);
  if (canRenderBig(auth.user_code) && big[0]!.length + 7 <= options.columns) {
    lines.push(...big.map((row) => `       ${s.bold(row)}`), '');
  }
  lines.push(`       ${s.bold(auth.user_code)}`, '');
  if (options.qr && auth.verification_uri_complete) {
    const rows = options.qr.replace(/\n+$/, '').split('\n');
    // eslint-disable-next-line no-control-regex
    const width = rows[0]!.replace(/\x1b\[[0-9;]*m/g, '').length + 2;
    if (width <= options.columns) {
      lines.push('  Or scan this QR code; it opens the link with the code filled in:', '');
      lines.push(...rows.map((row) => `  ${row}`), '');
    } else {
      lines.push(`  (The terminal is too narrow for the QR code: it needs ${width} columns.)`, '');
    }
  }
  return lines.join('\n') + '\n';
}
