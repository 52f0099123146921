import { AttemptEntity } from './attempt.entity.js';
import { ClientEntity } from './client.entity.js';
import { DeviceCodeEntity } from './device-code.entity.js';
import { DeviceGrantEntity } from './device-grant.entity.js';
import { KillSwitchEntity } from './kill-switch.entity.js';
import { DeviceFlowInit1764220000000 } from './migrations/1764220000000-device-flow-init.js';
import { DeviceFlowGrants1764300000000 } from './migrations/1764300000000-device-flow-grants.js';
import { DeviceFlowAttempts1764400000000 } from './migrations/1764400000000-device-flow-attempts.js';
import { DeviceFlowBinaryKeys1764700000000 } from './migrations/1764700000000-device-flow-binary-keys.js';
import { DeviceFlowKillSwitchRelease1764800000000 } from './migrations/1764800000000-device-flow-kill-switch-release.js';
import { DeviceFlowGrantExpiry1764900000000 } from './migrations/1764900000000-device-flow-grant-expiry.js';
import { TokenEntity } from './token.entity.js';

/** Every entity of the module: add them to your own DataSource (or `TypeOrmModule.forFeature`). */
export const DEVICE_FLOW_ENTITIES = [
  DeviceCodeEntity,
  TokenEntity,
  ClientEntity,
  DeviceGrantEntity,
  KillSwitchEntity,
  AttemptEntity,
];

/**
 * The table a DataSource the module owns (`database`) records the module's migrations in. A DataSource of your
 * own records them in its `migrationsTableName` (TypeORM's default: `migrations`): a database moved from one to
 * the other needs its rows there too, or the module's first migration runs again and fails on existing tables.
 */
export const DEVICE_FLOW_MIGRATIONS_TABLE = 'device_flow_migrations';

/** Every migration of the module, oldest first: add them to your own DataSource's `migrations`. */
export const DEVICE_FLOW_MIGRATIONS = [
  DeviceFlowInit1764220000000,
  DeviceFlowGrants1764300000000,
  DeviceFlowAttempts1764400000000,
  DeviceFlowBinaryKeys1764700000000,
  DeviceFlowKillSwitchRelease1764800000000,
  DeviceFlowGrantExpiry1764900000000,
];
