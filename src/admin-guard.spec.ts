import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../libs/device-flow/src/index.js';
import { fromThisMachine } from './admin.controller.js';

/** A request as Express (the socket on the request) or Fastify (the socket on `raw`) hands it over. */
const LOCAL = { host: '127.0.0.1:3000' };
const express = (
  remoteAddress: string | undefined,
  headers: Record<string, string> = LOCAL,
  httpVersion = '1.1',
) => ({ headers, httpVersion, socket: { remoteAddress } }) as unknown as HttpRequest;
const fastify = (
  remoteAddress: string | undefined,
  headers: Record<string, string> = LOCAL,
  httpVersion = '1.1',
) =>
  ({
    headers,
    raw: { httpVersion, socket: { remoteAddress } } as unknown as IncomingMessage,
  }) as HttpRequest;

describe('the admin API default token: requests made on this machine', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1', '::FFFF:127.0.0.1'])(
    '%s is this machine',
    (address) => {
      expect(fromThisMachine(express(address))).toBe(true);
      expect(fromThisMachine(fastify(address))).toBe(true);
    },
  );

  it.each([
    '10.0.0.5',
    '192.168.1.20',
    '::ffff:10.0.0.5',
    'fe80::1',
    '::',
    '0.0.0.0',
    '128.0.0.1',
    '1127.0.0.1',
    '127.0.0.1.evil',
    '',
  ])('%s is not', (address) => {
    expect(fromThisMachine(express(address))).toBe(false);
    expect(fromThisMachine(fastify(address))).toBe(false);
  });

  it('a closed socket (no address) is not', () => {
    expect(fromThisMachine(express(undefined))).toBe(false);
    expect(fromThisMachine(fastify(undefined))).toBe(false);
  });

  it('a loopback socket that carries a header a proxy adds is a proxy on this machine: not', () => {
    for (const name of [
      'forwarded',
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-proto',
      'x-real-ip',
      'via',
      'true-client-ip',
      'cf-connecting-ip',
      'x-client-ip',
    ]) {
      expect(fromThisMachine(express('127.0.0.1', { ...LOCAL, [name]: '192.0.2.1' })), name).toBe(
        false,
      );
      expect(fromThisMachine(fastify('::1', { ...LOCAL, [name]: '' })), name).toBe(false);
    }
  });

  it("HTTP/1.0 (nginx's default proxy_pass: Host 127.0.0.1:port, no forwarding header) is not", () => {
    expect(fromThisMachine(express('127.0.0.1', LOCAL, '1.0'))).toBe(false);
    expect(fromThisMachine(fastify('127.0.0.1', LOCAL, '1.0'))).toBe(false);
    expect(fromThisMachine(express('127.0.0.1', LOCAL, '2.0'))).toBe(true);
  });

  it('Host must name this machine: a DNS name rebound to 127.0.0.1 is not', () => {
    for (const host of [
      'localhost',
      'localhost:3000',
      'LOCALHOST:3000',
      '127.0.0.1',
      '127.1.2.3:80',
      '[::1]:3000',
    ])
      expect(fromThisMachine(express('127.0.0.1', { host })), host).toBe(true);
    for (const host of [
      'attacker.example:3000',
      'localhost.attacker.example',
      '127.0.0.1.nip.io',
      '192.168.1.20:3000',
      '[::1]x',
      '',
    ])
      expect(fromThisMachine(fastify('127.0.0.1', { host })), host).toBe(false);
    expect(fromThisMachine(express('127.0.0.1', {}))).toBe(false); // no Host at all
  });
});
