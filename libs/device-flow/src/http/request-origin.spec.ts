import { describe, expect, it } from 'vitest';
import type { HttpRequest } from './http-exchange.js';
import {
  clientIp,
  headerText,
  normaliseIp,
  onSameNetwork,
  rateLimitAddress,
  requestOrigin,
} from './request-origin.js';

const from = (ip?: string, ua?: string): HttpRequest => ({
  ip,
  headers: ua === undefined ? {} : { 'user-agent': ua },
});

describe('normaliseIp', () => {
  it('writes IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2) as IPv4', () => {
    expect(normaliseIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseIp('::FFFF:203.0.113.7')).toBe('203.0.113.7');
    expect(normaliseIp('0:0:0:0:0:ffff:198.51.100.1')).toBe('198.51.100.1');
    expect(normaliseIp('0000:0000:0000:0000:0000:ffff:198.51.100.1')).toBe('198.51.100.1');
    expect(normaliseIp('::ffff:c000:201')).toBe('192.0.2.1');
    expect(normaliseIp('::ffff:7f00:1')).toBe('127.0.0.1');
  });

  it('drops the port a proxy may write after the address (X-Forwarded-For: 203.0.113.7:51234)', () => {
    expect(normaliseIp('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(normaliseIp('[2001:db8::1]:51234')).toBe('2001:db8::1');
    expect(normaliseIp('[::ffff:203.0.113.7]:443')).toBe('203.0.113.7');
    expect(normaliseIp('[fe80::1%eth0]:8080')).toBe('fe80::1%eth0');
    // One client over many connections: one budget.
    expect(rateLimitAddress(clientIp(from('203.0.113.7:51234')))).toBe(
      rateLimitAddress(clientIp(from('203.0.113.7:51235'))),
    );
    expect(rateLimitAddress(clientIp(from('[2001:db8:0:1::7]:1')))).toBe('2001:db8:0:1::/64');
    // Not an address with a port: left as it is.
    for (const odd of ['999.1.1.1:80', '203.0.113.7:123456', '[nope]:80', 'host:80', '1.2.3.4:'])
      expect(normaliseIp(odd)).toBe(odd);
  });

  it('leaves every other address alone', () => {
    for (const ip of [
      '127.0.0.1',
      '::1',
      '2001:db8::1',
      '::ffff:999.1.1.1', // not an IPv4 address
      '::fffe:127.0.0.1',
      '64:ff9b::192.0.2.1', // NAT64: another host, not a mapped address
      '::127.0.0.1', // deprecated IPv4-compatible form: left as it is
      'fe80::1%eth0',
      'unknown',
    ])
      expect(normaliseIp(ip)).toBe(ip);
  });
});

describe('requestOrigin / clientIp', () => {
  it('agree on the normalised address, whichever way the platform wrote it', () => {
    expect(clientIp(from('::ffff:127.0.0.1'))).toBe('127.0.0.1');
    expect(requestOrigin(from('::ffff:127.0.0.1', 'TV/1'))).toEqual({
      ip: '127.0.0.1',
      userAgent: 'TV/1',
    });
    expect(requestOrigin(from('127.0.0.1', 'TV/1'))).toEqual(
      requestOrigin(from('::ffff:127.0.0.1', 'TV/1')),
    );
  });

  it('is null without an address or user agent', () => {
    expect(clientIp(from(undefined))).toBeNull();
    expect(clientIp(from(''))).toBeNull();
    expect(requestOrigin(from(undefined))).toEqual({ ip: null, userAgent: null });
  });
});

describe('headerText', () => {
  const asNodeReadsIt = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

  it('reads UTF-8 header bytes as UTF-8 (Node.js reads them as Latin-1)', () => {
    expect(asNodeReadsIt('DemoTV® – Wohnzimmer 📺')).not.toBe('DemoTV® – Wohnzimmer 📺');
    expect(headerText(asNodeReadsIt('DemoTV® – Wohnzimmer 📺'))).toBe('DemoTV® – Wohnzimmer 📺');
  });

  it('leaves ASCII, real Latin-1 (not valid UTF-8) and already decoded text as they are', () => {
    expect(headerText('TV/1 (living-room)')).toBe('TV/1 (living-room)');
    expect(headerText('caf\xe9 TV')).toBe('caf\xe9 TV'); // a lone 0xE9 byte is not UTF-8
    expect(headerText('DemoTV® 📺')).toBe('DemoTV® 📺');
  });
});

describe('rateLimitAddress', () => {
  it('counts an IPv6 address by its /64 prefix, however it is written', () => {
    const prefix = '2001:db8:0:1::/64';
    for (const ip of [
      '2001:db8:0:1::1',
      '2001:DB8:0:1:ffff:ffff:ffff:ffff',
      '2001:0db8:0000:0001:0000:0000:0000:0002',
      '2001:db8::1:0:0:0:3',
      '2001:db8:0:1::5%eth0',
      '2001:db8:0:1:0:0:192.0.2.1',
    ])
      expect(rateLimitAddress(ip), ip).toBe(prefix);
    expect(rateLimitAddress('2001:db8:0:2::1')).toBe('2001:db8:0:2::/64');
    expect(rateLimitAddress('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(rateLimitAddress('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('leaves IPv4 addresses and non-addresses as they are; null is unknown', () => {
    expect(rateLimitAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(rateLimitAddress('unknown')).toBe('unknown');
    expect(rateLimitAddress('2001:db8::g')).toBe('2001:db8::g');
    expect(rateLimitAddress(null)).toBe('unknown');
  });
});

describe('onSameNetwork', () => {
  it('one IPv4 address, or one IPv6 /64, is one network', () => {
    expect(onSameNetwork('203.0.113.5', '203.0.113.5')).toBe(true);
    expect(onSameNetwork('203.0.113.5', '203.0.113.6')).toBe(false);
    expect(onSameNetwork('2001:db8:0:1::a', '2001:DB8:0:1:ffff::1')).toBe(true);
    expect(onSameNetwork('2001:db8:0:1::a', '2001:db8:0:2::a')).toBe(false);
  });

  it('cannot tell with an address unknown, not an address, or one of each family (dual stack)', () => {
    expect(onSameNetwork(null, '203.0.113.5')).toBeNull();
    expect(onSameNetwork('203.0.113.5', null)).toBeNull();
    expect(onSameNetwork('203.0.113.5', '2001:db8::1')).toBeNull();
    expect(onSameNetwork('unknown', 'unknown')).toBeNull();
    expect(onSameNetwork('203.0.113.5', 'x')).toBeNull();
  });
});
