import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The error Node's HTTP parser (or its request timer) reports for a connection, before any request exists. */
interface ClientError extends Error {
  code?: string;
}

/** Status and `error_description` of what the HTTP parser refused; others are a malformed request. */
const REFUSALS: Readonly<Record<string, readonly [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'request header fields too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'chunk extensions too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request timeout'],
};

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  417: 'Expectation Failed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
};

/**
 * What Node's HTTP server answers to a request it cannot parse — oversized headers, a malformed request line or
 * header, a request that timed out — before Express, Fastify or Nest see it. By default Express gets Node's empty
 * `431`/`400` and Fastify its own `{"statusCode",…}` JSON; with this handler both answer the demo's shape:
 * `{"error":"invalid_request","error_description":…}` with `Cache-Control: no-store`, then close the
 * connection (RFC 9110 §15.5.1, RFC 6585 §5: 431). A connection already closed, or with a response under way,
 * is just closed, as Node does.
 *
 * Two more requests Node answers itself, in the same shape: an `Expect` other than `100-continue` (Node's empty
 * 417, RFC 9110 §10.1.1) and a `CONNECT` (Node just closes the connection; this is no proxy: 400).
 */
export function answerClientErrorsAsJson(server: Server): void {
  // Replaces the platform's own listener (Fastify installs one; Express none, leaving Node's default).
  server.removeAllListeners('clientError');
  server.on('clientError', (error: ClientError, socket: Duplex) => {
    // As Node does: answer only when no response on this connection has started (keep-alive included).
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent)
      return void socket.destroy();
    const [status, description] = REFUSALS[error.code ?? ''] ?? [400, 'malformed HTTP request'];
    socket.end(rawAnswer(status, description));
  });
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    const body = errorBody('Expect header not supported; only 100-continue is accepted');
    res.writeHead(417, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
      Connection: 'close',
    });
    res.end(body);
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    if (!socket.writable) return void socket.destroy();
    socket.end(rawAnswer(400, 'CONNECT is not served: this server is not a proxy'));
  });
}

function errorBody(description: string): string {
  return JSON.stringify({ error: 'invalid_request', error_description: description });
}

/** A whole HTTP/1.1 answer, written to a socket no response object owns, that closes the connection. */
function rawAnswer(status: number, description: string): string {
  const body = errorBody(description);
  return (
    `HTTP/1.1 ${status} ${REASONS[status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\n' +
    'Pragma: no-cache\r\n' +
    'Connection: close\r\n\r\n' +
    body
  );
}
