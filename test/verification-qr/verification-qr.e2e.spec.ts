import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeviceCodeRepository } from '../../libs/device-flow/src/index.js';
import { decodeQrModules } from '../support/qr-decode.js';
import { createTestApp, form, type TestApp } from '../support/test-app.js';

/** The dark modules of an SVG drawn by qrCodeSvg: runs `M{x} {y}h{w}v1h-{w}z` on a viewBox grid. */
function modulesOfSvg(svg: string): boolean[][] {
  const n = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)![1]);
  const grid = Array.from({ length: n }, () => Array<boolean>(n).fill(false));
  for (const [, x, y, w] of svg.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    for (let i = 0; i < Number(w); i++) grid[Number(y)]![Number(x) + i] = true;
  }
  return grid;
}

describe('GET /oauth/device_qr (SVG QR code of verification_uri_complete)', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  const issue = async () =>
    (
      await t.http
        .post('/oauth/device_authorization')
        .type('form')
        .send(form({ client_id: 'tv' }))
        .expect(200)
    ).body as { user_code: string; verification_uri_complete: string };

  it('renders a scannable QR code of the verification_uri_complete the device received', async () => {
    t = await createTestApp();
    const auth = await issue();
    const res = await t.http
      .get('/oauth/device_qr')
      .query({ user_code: auth.user_code })
      .expect(200);
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const svg = res.text ?? res.body.toString();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>.*<\/svg>$/);
    expect(svg).not.toMatch(/<script|<text|href|<foreignObject/i);
    expect(decodeQrModules(modulesOfSvg(svg))).toBe(auth.verification_uri_complete);
  });

  it('accepts the code as users type it (lowercase, no dash) and encodes it in display form', async () => {
    t = await createTestApp();
    const res = await t.http.get('/oauth/device_qr?user_code=wdjb%20mjht').expect(200);
    expect(decodeQrModules(modulesOfSvg(res.text ?? res.body.toString()))).toBe(
      'http://localhost:3000/device?user_code=WDJB-MJHT',
    );
  });

  it('answers a never-issued well-formed code exactly like an issued one, without touching storage', async () => {
    t = await createTestApp();
    const repo = t.app.get<DeviceCodeRepository>(DeviceCodeRepository);
    const spies = (['findByUserCodeHash', 'findByDeviceCodeHash'] as const).map((m) =>
      vi.spyOn(repo, m),
    );
    const auth = await issue();
    const issued = await t.http.get('/oauth/device_qr').query({ user_code: auth.user_code });
    const never = await t.http.get('/oauth/device_qr').query({ user_code: 'BBBB-BBBB' });
    expect([issued.status, never.status]).toEqual([200, 200]);
    for (const h of ['content-type', 'cache-control', 'content-security-policy']) {
      expect(never.headers[h]).toBe(issued.headers[h]);
    }
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it.each([
    ['missing', ''],
    ['arbitrary text', '?user_code=https%3A%2F%2Fevil.example%2F'],
    ['wrong length', '?user_code=WDJB-MJH'],
    ['letters outside the alphabet', '?user_code=WDJB-MJHA'],
    ['repeated', '?user_code=WDJB-MJHT&user_code=BBBB-BBBB'],
    ['nested', '?user_code[a]=WDJB-MJHT'],
    ['oversize', `?user_code=${'B'.repeat(5000)}`],
  ])('refuses a %s user_code with invalid_request JSON', async (_, query) => {
    t = await createTestApp();
    const res = await t.http.get(`/oauth/device_qr${query}`).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: 'user_code is missing or is not a well-formed user code',
    });
  });

  it('answers other methods with 405 and an Allow header', async () => {
    t = await createTestApp();
    const res = await t.http.post('/oauth/device_qr').expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.body.error).toBe('invalid_request');
  });

  it('follows the configured route, user code format and verificationUriComplete: false', async () => {
    t = await createTestApp(
      { userCode: { charset: 'digits' }, verificationUriComplete: false },
      { routes: { verificationQr: '/tv/qr.svg' } },
    );
    await t.http.get('/oauth/device_qr?user_code=123-456-789').expect(404); // not mounted there any more
    await t.http.get('/tv/qr.svg?user_code=WDJB-MJHT').expect(400); // not a digits code
    const res = await t.http.get('/tv/qr.svg?user_code=123456789').expect(200);
    expect(decodeQrModules(modulesOfSvg(res.text ?? res.body.toString()))).toBe(
      'http://localhost:3000/device',
    );
  });
});
