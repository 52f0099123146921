import { Logger } from '@nestjs/common';
import type { DeviceFlowEvent } from './device-flow-event.js';

/** A subscriber to audit events. */
export type DeviceFlowEventListener = (event: DeviceFlowEvent) => void | Promise<void>;

/**
 * Where the module reports audit events. `emit` never throws and never delays the protocol: a failing
 * listener is logged and ignored. The default, {@link InProcessDeviceFlowEvents}, calls subscribers in the
 * process; provide your own through this token to forward events elsewhere (a queue, an event bus,
 * `@nestjs/event-emitter`).
 */
export interface DeviceFlowEvents {
  /** Reports an event to every subscriber. */
  emit(event: DeviceFlowEvent): void;
  /** Adds a subscriber; returns a function that removes it. */
  subscribe(listener: DeviceFlowEventListener): () => void;
}

/** Injection token for {@link DeviceFlowEvents}. */
export const DeviceFlowEvents = Symbol('DeviceFlowEvents');

/** The default {@link DeviceFlowEvents}: synchronous fan-out to in-process subscribers. */
export class InProcessDeviceFlowEvents implements DeviceFlowEvents {
  private readonly listeners = new Set<DeviceFlowEventListener>();
  private readonly logger = new Logger('DeviceFlow');

  emit(event: DeviceFlowEvent): void {
    for (const listener of this.listeners) {
      try {
        const result = listener(event);
        if (result && typeof result.then === 'function') {
          result.then(undefined, (e: unknown) => this.failed(event, e));
        }
      } catch (e) {
        this.failed(event, e);
      }
    }
  }

  subscribe(listener: DeviceFlowEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private failed(event: DeviceFlowEvent, e: unknown): void {
    this.logger.error(
      `event listener failed on ${event.type}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
