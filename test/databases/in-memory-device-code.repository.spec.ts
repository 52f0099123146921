import { beforeAll, describe } from 'vitest';
import { InMemoryDeviceCodeRepository } from '../../libs/device-flow/src/index.js';
import { deviceCodeRepositoryCases } from '../support/device-code-repository.cases.js';

describe('InMemoryDeviceCodeRepository (same cases as the database and Redis stores)', () => {
  let repo: InMemoryDeviceCodeRepository;
  beforeAll(() => {
    repo = new InMemoryDeviceCodeRepository();
  });
  deviceCodeRepositoryCases(() => repo);
});
