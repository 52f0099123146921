import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { HttpRequest } from './http-exchange.js';
import { InvalidRequestError, RequestTooLargeError } from '../errors/oauth.errors.js';
import { MAX_FORM_BODY_BYTES, MAX_PARAMETER_LENGTH, parseForm } from './form-body.parser.js';

const FORM = 'application/x-www-form-urlencoded';
type Source = 'raw' | 'parsed' | 'stream';

/**
 * A request as each input source presents it: rawBody Buffer, a body parser's object, or an unread stream. It
 * says its body's length, as every HTTP/1.1 request with a body does (or a transfer coding), unless told otherwise.
 */
function request(
  source: Source,
  body: string,
  given: Record<string, string | undefined> = { 'content-type': FORM },
): HttpRequest {
  const headers = { 'content-length': String(Buffer.byteLength(body)), ...given };
  if (source === 'stream') {
    const stream = Readable.from([Buffer.from(body)]);
    return Object.assign(stream, { headers }) as unknown as HttpRequest;
  }
  if (source === 'raw') {
    return { headers, rawBody: Buffer.from(body), body: {} } as unknown as HttpRequest;
  }
  // What Nest's default urlencoded parser (qs, extended) would have produced.
  return { headers, body: qsLike(body) } as unknown as HttpRequest;
}

/** A minimal stand-in for `qs.parse` (extended): repeated keys → arrays, `a[b]` → nested objects. */
function qsLike(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // No `?` stripped (qs keeps it unless told `ignoreQueryPrefix`); `a[b]` keys merge into one object.
  for (const [k, v] of new URLSearchParams(`&${body}`)) {
    const nested = /^([^[]+)\[([^\]]*)\]$/.exec(k);
    if (nested) out[nested[1]] = { ...(out[nested[1]] as object), [nested[2]]: v };
    else if (k in out) out[k] = ([] as unknown[]).concat(out[k], v);
    else out[k] = v;
  }
  return out;
}

const SOURCES: Source[] = ['raw', 'parsed', 'stream'];

describe.each(SOURCES)('parseForm (%s body)', (source) => {
  it('reads flat parameters', async () => {
    const form = await parseForm(request(source, 'client_id=tv&scope=read+write&x=%C3%A9'));
    expect(form.get('client_id')).toBe('tv');
    expect(form.get('scope')).toBe('read write');
    expect(form.get('x')).toBe('é');
    expect(form.get('missing')).toBeUndefined();
  });

  it('treats an empty value as absent (RFC 6749 §3.1)', async () => {
    const form = await parseForm(request(source, 'client_id=tv&scope='));
    expect(form.get('scope')).toBeUndefined();
    expect(() => form.require('scope')).toThrow(/missing required parameter: scope/);
    expect(form.require('client_id')).toBe('tv');
  });

  it('rejects a repeated parameter, even when one copy is empty', async () => {
    await expect(parseForm(request(source, 'client_id=tv&client_id=tv'))).rejects.toThrow(
      /parameter repeated: client_id/,
    );
    await expect(parseForm(request(source, 'scope=&scope=read'))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it("with the endpoint's parameters named: refuses those repeated or nested, ignores every other", async () => {
    const recognised = ['client_id', 'scope'];
    const parse = (body: string) => parseForm(request(source, body), { recognised });
    const form = await parse('client_id=tv&resource=a&resource=b&x[y]=1&foo=1&foo=2&scope=read');
    expect(form.get('client_id')).toBe('tv');
    expect(form.get('scope')).toBe('read');
    expect(form.get('resource')).toBeUndefined(); // repeated: not one value or the other
    expect(form.get('foo')).toBeUndefined();
    expect(form.get('x')).toBeUndefined();
    await expect(parse('client_id=tv&client_id=tv')).rejects.toThrow(/repeated: client_id/);
    await expect(parse('client_id=tv&scope[a]=read')).rejects.toThrow(/malformed: scope/);
    expect((await parse('client_id=tv&[x]=1')).get('client_id')).toBe('tv'); // no name: not one of its own
    // A name given once is kept, known or not.
    expect((await parse('client_id=tv&resource=a')).get('resource')).toBe('a');
    // Ignored, yet checked and counted as any parameter, however a host parser shaped it.
    const many = Array.from({ length: 40 }, (_, i) => `foo[k${i}]=1`).join('&');
    await expect(parse(`client_id=tv&${many}`)).rejects.toThrow(/too many parameters/);
    await expect(parse(`client_id=tv&foo=${'x'.repeat(3000)}&foo=1`)).rejects.toThrow(/too long/);
  });

  it('reads a leading ? as part of the first name, as host parsers do (a body is not a query string)', async () => {
    const form = await parseForm(request(source, '?client_id=x&scope=read'));
    expect(form.get('client_id')).toBeUndefined();
    expect(form.get('scope')).toBe('read');
  });

  it('rejects a[b]=c keys instead of building objects', async () => {
    await expect(parseForm(request(source, 'client_id=tv&a[b]=c'))).rejects.toThrow(
      /parameter malformed: a/,
    );
    await expect(parseForm(request(source, 'client_id[x]=tv'))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it('rejects an over-long value and an over-long name', async () => {
    const long = 'x'.repeat(MAX_PARAMETER_LENGTH + 1);
    await expect(parseForm(request(source, `client_id=${long}`))).rejects.toThrow(
      /parameter too long: client_id/,
    );
    await expect(parseForm(request(source, `${'k'.repeat(129)}=v`))).rejects.toThrow(
      /parameter too long/,
    );
    const ok = await parseForm(request(source, `v=${'x'.repeat(MAX_PARAMETER_LENGTH)}`));
    expect(ok.get('v')).toHaveLength(MAX_PARAMETER_LENGTH);
  });

  it('rejects too many parameters', async () => {
    const body = Array.from({ length: 33 }, (_, i) => `p${i}=1`).join('&');
    await expect(parseForm(request(source, body))).rejects.toThrow(/too many parameters/);
  });

  it('rejects an oversize body with 413, announced or not', async () => {
    const body = `a=${'x'.repeat(MAX_FORM_BODY_BYTES)}`;
    const announced = request(source, body, {
      'content-type': FORM,
      'content-length': String(body.length),
    });
    const err = await parseForm(announced).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTooLargeError);
    expect((err as RequestTooLargeError).status).toBe(413);
    // Without Content-Length (chunked) the bytes themselves are counted — or, after a host parser read them
    // under its own larger limit, what they held.
    await expect(parseForm(request(source, body))).rejects.toBeInstanceOf(RequestTooLargeError);
    // Many small parameters where many are allowed (the verification page's forms): the size still binds.
    const many = Array.from({ length: 900 }, (_, i) => `p${i}=${'v'.repeat(20)}`).join('&');
    await expect(parseForm(request(source, many), { maxParameters: 1000 })).rejects.toBeInstanceOf(
      RequestTooLargeError,
    );
    const within = Array.from({ length: 900 }, (_, i) => `p${i}=v`).join('&');
    expect((await parseForm(request(source, within), { maxParameters: 1000 })).get('p899')).toBe(
      'v',
    );
  });

  it('accepts the form content type with a UTF-8 charset parameter, in any case', async () => {
    for (const type of [
      `${FORM}; charset=UTF-8`,
      `${FORM};charset="utf-8"`,
      'Application/X-WWW-Form-Urlencoded',
    ]) {
      const form = await parseForm(request(source, 'client_id=tv', { 'content-type': type }));
      expect(form.get('client_id')).toBe('tv');
    }
  });

  it('accepts a form declared ISO-8859-1 (what Java clients send), in any case', async () => {
    for (const type of [`${FORM}; charset=ISO-8859-1`, `${FORM};charset="iso-8859-1"`]) {
      const form = await parseForm(
        request(source, 'client_id=tv&scope=read+write', { 'content-type': type }),
      );
      expect(form.get('client_id')).toBe('tv');
      expect(form.get('scope')).toBe('read write');
    }
  });

  it('rejects other content types and charsets', async () => {
    for (const type of [
      undefined,
      '',
      'application/json',
      'multipart/form-data; boundary=x',
      'text/plain',
      `${FORM}x`,
      `${FORM}; charset=us-ascii`,
      `${FORM}; charset=windows-1252`,
      `${FORM}; charset=latin1`,
    ]) {
      await expect(
        parseForm(request(source, 'client_id=tv', { 'content-type': type })),
      ).rejects.toBeInstanceOf(InvalidRequestError);
    }
  });

  it('reads a request with no body and no content type as a form without parameters', async () => {
    for (const headers of [{ 'content-length': '0' }, { 'content-length': undefined }]) {
      const form = await parseForm(request(source, '', headers));
      expect(form.get('client_id')).toBeUndefined();
    }
    // A body announced by a transfer coding still needs the form type.
    await expect(
      parseForm(
        request(source, 'client_id=tv', {
          'content-length': undefined,
          'transfer-encoding': 'chunked',
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('echoes parameter names only in RFC 6749 §5.2 characters', async () => {
    const err = (await parseForm(request(source, 'a%22%5C%00[b]=c')).catch(
      (e: unknown) => e,
    )) as InvalidRequestError;
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.description).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/);
  });
});

describe('parseForm input sources', () => {
  it('prefers rawBody over a parsed object', async () => {
    const req = {
      headers: { 'content-type': FORM },
      rawBody: Buffer.from('client_id=raw'),
      body: { client_id: 'parsed' },
    } as unknown as HttpRequest;
    expect((await parseForm(req)).get('client_id')).toBe('raw');
  });

  it('reads a Buffer or string body left by another parser', async () => {
    const buf = {
      headers: { 'content-type': FORM },
      body: Buffer.from('a=1'),
    } as unknown as HttpRequest;
    const str = { headers: { 'content-type': FORM }, body: 'a=2' } as unknown as HttpRequest;
    expect((await parseForm(buf)).get('a')).toBe('1');
    expect((await parseForm(str)).get('a')).toBe('2');
  });

  it('rejects non-string values a host parser produced', async () => {
    const req = { headers: { 'content-type': FORM }, body: { a: 1 } } as unknown as HttpRequest;
    await expect(parseForm(req)).rejects.toThrow(/parameter malformed: a/);
  });

  it('reads an empty, already-consumed stream as an empty form', async () => {
    const stream = Readable.from([]);
    stream.resume();
    await new Promise((r) => stream.on('end', r));
    const req = Object.assign(stream, { headers: { 'content-type': FORM } });
    const form = await parseForm(req as unknown as HttpRequest);
    expect(form.get('client_id')).toBeUndefined();
  });
});

/** Bytes a client sends as Latin-1, where the module reads them (not through a host parser). */
describe.each(['raw', 'stream'] as const)('parseForm (%s body declared ISO-8859-1)', (source) => {
  const latin1 = (bytes: Buffer) => {
    const headers = {
      'content-type': `${FORM}; charset=ISO-8859-1`,
      'content-length': String(bytes.length),
    };
    return source === 'raw'
      ? ({ headers, rawBody: bytes, body: {} } as unknown as HttpRequest)
      : (Object.assign(Readable.from([bytes]), { headers }) as unknown as HttpRequest);
  };

  it('decodes %XX escapes and raw bytes as Latin-1 characters, + as space', async () => {
    const body = Buffer.concat([
      Buffer.from('a=caf%E9&b=%C3%A9&c=x%2By+z&d=r'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('&e=%zz%4'),
    ]);
    const form = await parseForm(latin1(body));
    expect(form.get('a')).toBe('café');
    // Two Latin-1 characters, as the client declared: not one UTF-8 é.
    expect(form.get('b')).toBe('\u00c3\u00a9');
    expect(form.get('c')).toBe('x+y z');
    expect(form.get('d')).toBe('r\u00e9\u00ff');
    // Malformed escapes stay as they are, as URLSearchParams keeps them.
    expect(form.get('e')).toBe('%zz%4');
  });

  it('splits pairs as URLSearchParams does: empty pairs skipped, the first = ends the name', async () => {
    const form = await parseForm(latin1(Buffer.from('&&a=1=2&flag&%61%62=x&&')));
    expect(form.get('a')).toBe('1=2');
    expect(form.get('flag')).toBeUndefined(); // no value: as if omitted (RFC 6749 §3.1)
    expect(form.get('ab')).toBe('x');
  });

  it('still refuses repeated parameters and nested keys', async () => {
    await expect(parseForm(latin1(Buffer.from('a=1&%61=2')))).rejects.toThrow(/repeated: a/);
    await expect(parseForm(latin1(Buffer.from('a%5Bb%5D=1')))).rejects.toThrow(/malformed/);
  });
});
