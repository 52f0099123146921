import { AttemptEntity } from './attempt.entity.js';
import { ClientEntity } from './client.entity.js';
import { DeviceCodeEntity } from './device-code.entity.js';
import { DeviceFlowInit1764220000000 } from './migrations/1764220000000-device-flow-init.js';
import { DeviceFlowAttempts1764230000000 } from './migrations/1764230000000-device-flow-attempts.js';
import { TokenEntity } from './token.entity.js';

/** Every entity of the module: add them to your own DataSource (or `TypeOrmModule.forFeature`). */
export const DEVICE_FLOW_ENTITIES = [DeviceCodeEntity, TokenEntity, ClientEntity, AttemptEntity];

/** Every migration of the module, oldest first: add them to your own DataSource's `migrations`. */
export const DEVICE_FLOW_MIGRATIONS = [
  DeviceFlowInit1764220000000,
  DeviceFlowAttempts1764230000000,
];
