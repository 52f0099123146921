import { Logger } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import type { ArgumentsHost } from '@nestjs/common';
import type { HttpRequest, HttpResponse } from '../http/http-exchange.js';
import { VerificationPageFilter } from './verification-page.filter.js';
import type { VerificationView } from './verification.view.js';

/** Sends the filter one exception for `url` and returns what it logged and answered. */
function answer(exception: unknown, url: string) {
  const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  const sent: { status?: number } = {};
  const res = {
    header: () => res,
    status: (code: number) => ((sent.status = code), res),
    send: () => res,
  } as unknown as HttpResponse;
  const req = { method: 'GET', url, headers: {} } as HttpRequest;
  const host = {
    switchToHttp: () => ({ getResponse: () => res, getRequest: () => req }),
  } as unknown as ArgumentsHost;
  const view = { render: () => '<!doctype html>' } as unknown as VerificationView;
  try {
    new VerificationPageFilter('/device', view, { issuerPath: '' }).catch(exception, host);
    return { status: sent.status, lines: logged.mock.calls.map((call) => String(call[0])) };
  } finally {
    logged.mockRestore();
  }
}

describe('the verification page filter logs', () => {
  it('the path without the query: a user code in the URL never lands in the logs', () => {
    const url = '/device?user_code=WDJB-MJHT';
    const failed = answer(new Error('boom'), url);
    expect(failed.status).toBe(500);
    expect(failed.lines).toEqual(['GET /device: unexpected error']);
    const away = answer(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), url);
    expect(away.status).toBe(503);
    expect(away.lines).toEqual(['GET /device: storage unavailable']);
  });
});
