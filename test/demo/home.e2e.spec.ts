import { afterEach, describe, expect, it } from 'vitest';
import { createDemoApp, type DemoApp } from '../support/demo-app.js';

/** The demo's own address sends a browser to the verification page: people type only the host name. */
describe('demo home', () => {
  let t: DemoApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('GET / is a 303 to the verification page, not a JSON 404', async () => {
    t = await createDemoApp();
    const res = await t.http.get('/').expect(303);
    expect(res.headers.location).toBe('/device');
    expect(res.headers['cache-control']).toBe('no-store');
    // HEAD as well; other paths stay the demo's JSON 404.
    expect((await t.http.head('/')).status).toBe(303);
    const unknown = await t.http.get('/nothing-here').expect(404);
    expect(unknown.body).toMatchObject({ error: 'not_found' });
  });

  it('with an issuer path, the issuer’s address leads to the page under it', async () => {
    t = await createDemoApp({ ISSUER: 'http://localhost:3000/auth' });
    expect((await t.http.get('/auth').expect(303)).headers.location).toBe('/auth/device');
    // Outside the issuer's path nothing is served.
    await t.http.get('/').expect(404);
  });
});
