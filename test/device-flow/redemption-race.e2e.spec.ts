import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redemptionRaceContract } from '../contracts/redemption-race.contract.js';

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
