import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { hashClientSecret, verifyClientSecret } from '../codes/secret-hash.js';
import { DEVICE_FLOW_OPTIONS } from '../device-flow.constants.js';
import type { ResolvedDeviceFlowOptions, StaticClientOptions } from '../device-flow.options.js';
import { CachingClientRepository } from './caching-client.repository.js';
import {
  type ClientRecord,
  type ClientRepository,
  DEVICE_CODE_GRANT_TYPE,
  REFRESH_TOKEN_GRANT_TYPE,
} from './client.repository.js';

/**
 * Writes the `clients` of the module options into the {@link ClientRepository} at start-up (create or
 * update), hashing plain secrets. An unchanged secret keeps its stored hash, so restarts do not rewrite it.
 */
@Injectable()
export class ClientSeeder implements OnApplicationBootstrap {
  constructor(
    @Inject(DEVICE_FLOW_OPTIONS) private readonly options: ResolvedDeviceFlowOptions,
    // Through the cache, so a re-seeded client is never served stale.
    @Inject(CachingClientRepository) private readonly clients: ClientRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const c of this.options.clients) await this.clients.save(await this.toRecord(c));
  }

  private async toRecord(c: StaticClientOptions): Promise<ClientRecord> {
    return {
      clientId: c.clientId,
      secretHash: await this.secretHash(c),
      grantTypes: c.grantTypes ?? [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
      scopes: c.scopes ?? [],
      displayName: c.displayName ?? c.clientId,
      disabled: c.disabled ?? false,
    };
  }

  private async secretHash(c: StaticClientOptions): Promise<string | null> {
    if (c.clientSecretHash !== undefined) return c.clientSecretHash;
    if (c.clientSecret === undefined) return null;
    const existing = await this.clients.findById(c.clientId);
    if (existing?.secretHash && (await verifyClientSecret(c.clientSecret, existing.secretHash))) {
      return existing.secretHash;
    }
    return hashClientSecret(c.clientSecret);
  }
}
