import {
  InMemoryClientRepository,
  InMemoryDeviceCodeRepository,
  InMemoryTokenRepository,
} from '../../libs/device-flow/src/index.js';
import { clientRepositoryContract } from './client-repository.contract.js';
import { deviceCodeRepositoryContract } from './device-code-repository.contract.js';
import { tokenRepositoryContract } from './token-repository.contract.js';

deviceCodeRepositoryContract('in-memory', async () => ({
  repository: new InMemoryDeviceCodeRepository(),
}));
tokenRepositoryContract('in-memory', async () => ({ repository: new InMemoryTokenRepository() }));
clientRepositoryContract('in-memory', async () => ({ repository: new InMemoryClientRepository() }));
