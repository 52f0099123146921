import { MapDeviceCodeRepository } from '../module/map-device-code.repository.js';
import { deviceCodeRepositoryContract } from './device-code-repository.contract.js';

// The integrator-style store used by the override tests passes the same contract as the built-in ones.
deviceCodeRepositoryContract('custom Map-backed store (test/module)', async () => ({
  repository: new MapDeviceCodeRepository(),
}));
