import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../libs/device-flow/src/index.js';
import { fromThisMachine } from './admin.controller.js';

/** A request as Express (the socket on the request) or Fastify (the socket on `raw`) hands it over. */
const express = (remoteAddress: string | undefined, headers: Record<string, string> = {}) =>
  ({ headers, socket: { remoteAddress } }) as unknown as HttpRequest;
const fastify = (remoteAddress: string | undefined, headers: Record<string, string> = {}) =>
  ({ headers, raw: { socket: { remoteAddress } } as unknown as IncomingMessage }) as HttpRequest;

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

  it('a loopback socket that carries a forwarding header is a proxy on this machine: not', () => {
    expect(fromThisMachine(express('127.0.0.1', { 'x-forwarded-for': '127.0.0.1' }))).toBe(false);
    expect(fromThisMachine(fastify('::1', { forwarded: 'for=192.0.2.1' }))).toBe(false);
    expect(fromThisMachine(express('127.0.0.1', { 'x-forwarded-for': '' }))).toBe(false);
  });
});
