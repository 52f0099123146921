import type { INestApplication } from '@nestjs/common';

/**
 * Listens on every interface, IPv6 and IPv4 (`::`, dual stack), falling back to IPv4 only (`0.0.0.0`) where the
 * host has no IPv6 — what Node's `server.listen(port)` does, and so what Express always did. Fastify, given no
 * host, listens on `localhost` only, so a phone on the LAN scanning the verification QR code could not reach a
 * demo started with `HTTP_ADAPTER=fastify`; with this both platforms listen alike.
 */
export async function listenOnAllInterfaces(app: INestApplication, port: number): Promise<void> {
  try {
    await app.listen(port, '::');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw error;
    await app.listen(port, '0.0.0.0');
  }
}
