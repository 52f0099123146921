import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  DeviceFlowModuleExtras,
  DeviceFlowModuleOptions,
} from '../../libs/device-flow/src/index.js';
import { createTestApp, nodeRequestHandler, type TestApp } from './test-app.js';

/** A test app reachable over real HTTP, with its issuer set to its own address. */
export interface ListeningTestApp extends TestApp {
  /** The origin it listens on, e.g. `http://127.0.0.1:40123`; also the issuer. */
  url: string;
}

/**
 * {@link createTestApp} behind a real socket on 127.0.0.1, port 0. The socket is opened first, so the issuer
 * (and with it the RFC 8414 metadata and `verification_uri`) carries the real port.
 */
export async function createListeningTestApp(
  options: Partial<DeviceFlowModuleOptions> = {},
  extras: DeviceFlowModuleExtras = {},
): Promise<ListeningTestApp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const t = await createTestApp({ issuer: url, ...options }, extras);
  server.on('request', nodeRequestHandler(t.app));
  return {
    ...t,
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    },
  };
}
