/** Thrown at start-up when options are invalid; the message says what to fix. */
export class DeviceFlowConfigurationError extends Error {
  constructor(message: string) {
    super(`DeviceFlowModule: ${message}`);
    this.name = 'DeviceFlowConfigurationError';
  }
}
