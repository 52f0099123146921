import { isIPv4, isIPv6 } from 'node:net';
import type { RequestOrigin } from '../authorization/device-authorization.service.js';
import type { HttpRequest } from './http-exchange.js';

/**
 * Where a request came from. `req.ip` honours the framework's `trust proxy` setting (Express and Fastify alike),
 * so `X-Forwarded-For` counts only when the host app says its proxy is trusted.
 */
export function requestOrigin(req: HttpRequest): RequestOrigin {
  const ua = req.headers['user-agent'];
  return { ip: clientIp(req), userAgent: typeof ua === 'string' ? headerText(ua) : null };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header value as the text its sender meant. Node.js reads header bytes as Latin-1 (RFC 9110 §5.5: octets
 * beyond ASCII are opaque), but a device that puts non-ASCII text in its `User-Agent` sends UTF-8, which read
 * as Latin-1 shows as mojibake on the consent page (`â®` for `®`). Bytes that are valid UTF-8 are read as UTF-8;
 * anything else stays as Node.js read it.
 */
export function headerText(value: string): string {
  // Only a string of single bytes (what Node.js makes of a header) with some beyond ASCII is worth a look.
  if (!/[\x80-\xff]/.test(value) || /[\u0100-\uffff]/.test(value)) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/**
 * The client address of a request: `req.ip` (which honours the framework's `trust proxy` setting), with an
 * IPv4-mapped IPv6 address written as the IPv4 address it is. A dual-stack socket (Node's default `::`
 * listener, which Express uses) reports an IPv4 client as `::ffff:203.0.113.7`, while an IPv4 socket, a proxy's
 * `X-Forwarded-For` or another instance on Fastify may say `203.0.113.7`: one client must be one address on the
 * consent page, in the stored `requestIp` and audit events, and in every rate-limit key.
 */
export function clientIp(req: HttpRequest): string | null {
  return req.ip ? normaliseIp(req.ip) : null;
}

/** `::ffff:192.0.2.1`, `::ffff:c000:201` or `0:0:0:0:0:ffff:192.0.2.1` (any case) → `192.0.2.1`. */
const IPV4_MAPPED =
  /^(?:::|(?:0{1,4}:){5})ffff:(?:(\d{1,3}(?:\.\d{1,3}){3})|([\da-f]{1,4}):([\da-f]{1,4}))$/i;

/** `203.0.113.7:51234` or `[2001:db8::1]:51234`: an address with the client's port, as some proxies write it. */
const WITH_PORT = /^(?:(\d{1,3}(?:\.\d{1,3}){3})|\[([\da-f:.%\w]+)\]):\d{1,5}$/i;

/**
 * An IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2) as plain IPv4, and an address written with its port (some
 * proxies put `203.0.113.7:51234` or `[2001:db8::1]:51234` in `X-Forwarded-For`, and Express and Fastify pass it
 * on as the client's address) without the port — else every new connection of one client would be a new address
 * to the per-IP guessing and issuance budgets. Any other address unchanged.
 *
 * @see RFC 4291 §2.5.5.2
 */
export function normaliseIp(ip: string): string {
  if (!ip.includes(':')) return ip; // plain IPv4 (nearly every request): nothing to do
  const text = ip.trim();
  const port = WITH_PORT.exec(text);
  if (port) {
    const address = port[1] ?? port[2]!;
    if (port[1] ? isIPv4(address) : isIPv6(address.split('%')[0]!)) return normaliseIp(address);
    return ip;
  }
  const m = IPV4_MAPPED.exec(text);
  if (!m) return ip;
  if (m[1]) return isIPv4(m[1]) ? m[1] : ip;
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

/**
 * The address a per-IP rate limit counts against: an IPv4 address as it is, an IPv6 address as its /64 prefix
 * (`2001:db8:0:1::/64`). One IPv6 host or customer is given a whole /64 (RFC 6177, RFC 7934), so counting each of
 * its 2^64 addresses apart would let one attacker rotate through fresh budgets; `null` and anything that is not an
 * address are returned as they are (`unknown` for null).
 *
 * @see RFC 8628 §5.1 (rate-limiting user code entry)
 */
export function rateLimitAddress(ip: string | null): string {
  if (ip === null) return 'unknown';
  // Every IPv6 address has a colon: an IPv4 address (nearly every request) skips isIPv6's costly pattern.
  if (!ip.includes(':')) return ip;
  const address = ip.split('%')[0]!;
  if (!isIPv6(address)) return ip;
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
}

/**
 * Whether two client addresses are on one network as far as an address can tell: the same IPv4 address (one
 * home or office behind its NAT), or the same IPv6 /64. `null` when it cannot tell: an address unknown, or one
 * IPv4 and one IPv6 (a dual-stack home reaches a server over either).
 *
 * @see RFC 8628 §5.4 (remote phishing: a code started elsewhere and sent to the user)
 */
export function onSameNetwork(a: string | null, b: string | null): boolean | null {
  if (a === null || b === null) return null;
  const v6a = a.includes(':') && isIPv6(a.split('%')[0]!);
  const v6b = b.includes(':') && isIPv6(b.split('%')[0]!);
  if (v6a !== v6b) return null;
  if (!v6a && (!isIPv4(a) || !isIPv4(b))) return null;
  return rateLimitAddress(a) === rateLimitAddress(b);
}

/** The eight 16-bit groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(address: string): string[] {
  let text = address.toLowerCase();
  // A trailing dotted IPv4 part (`::ffff:1.2.3.4`, `64:ff9b::192.0.2.1`) is the last two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}
