import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redemptionRaceContract } from '../contracts/redemption-race.contract.js';
import { describeWith, randomRedisPrefix, REDIS_URL } from '../support/databases.js';

redemptionRaceContract('SQLite (in memory)', async () => ({
  options: { type: 'better-sqlite3', database: ':memory:' },
}));

redemptionRaceContract('SQLite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'df-race-'));
  return {
    options: { type: 'better-sqlite3', database: join(dir, 'race.sqlite') },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

// Device codes on Redis, tokens in SQLite: every losing poll revokes in its own unit of work on the one SQLite
// connection, all waiting together behind the winner's (they once nested a BEGIN and wedged the connection).
await describeWith('device codes on Redis, tokens in SQLite', ['redis'], () => {
  redemptionRaceContract(
    'SQLite (file) + Redis',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'df-race-'));
      return {
        options: { type: 'better-sqlite3', database: join(dir, 'race.sqlite') },
        module: { storage: 'redis', redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() } },
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
    50,
  );
});
