import { redemptionRaceContract } from '../contracts/redemption-race.contract.js';
import {
  createIsolatedDatabase,
  describeWith,
  randomRedisPrefix,
  REDIS_URL,
  SQL_SERVERS,
} from '../support/databases.js';

/**
 * The exactly-once races on the server databases, alone and with device codes on Redis (where a claim is seen
 * at once while the winner's grant and tokens are still uncommitted in the database).
 */
for (const server of SQL_SERVERS) {
  await describeWith(`redemption races on ${server.label}`, [server], () => {
    redemptionRaceContract(server.label, async () => {
      const db = await createIsolatedDatabase(server);
      return { options: db.options, cleanup: () => db.drop() };
    });
  });
  await describeWith(`redemption races on Redis + ${server.label}`, [server, 'redis'], () => {
    redemptionRaceContract(`Redis (device codes) + ${server.label}`, async () => {
      const db = await createIsolatedDatabase(server);
      return {
        options: db.options,
        module: { storage: 'redis', redis: { url: REDIS_URL, keyPrefix: randomRedisPrefix() } },
        cleanup: () => db.drop(),
      };
    });
  });
}
