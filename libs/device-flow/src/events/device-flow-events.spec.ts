import { describe, expect, it } from 'vitest';
import type { DeviceFlowEvent } from './device-flow-event.js';
import { InProcessDeviceFlowEvents } from './device-flow-events.js';

const event: DeviceFlowEvent = {
  type: 'user_code.guessing_limit_hit',
  at: 0,
  clientId: '',
  source: '203.0.113.9',
  attempts: 10,
};

describe('InProcessDeviceFlowEvents', () => {
  it('delivers to every subscriber until it unsubscribes', () => {
    const events = new InProcessDeviceFlowEvents();
    const a: DeviceFlowEvent[] = [];
    const b: DeviceFlowEvent[] = [];
    const stopA = events.subscribe((e) => void a.push(e));
    events.subscribe((e) => void b.push(e));
    events.emit(event);
    stopA();
    events.emit(event);
    expect(a).toEqual([event]);
    expect(b).toEqual([event, event]);
  });

  it('a failing listener (sync or async) neither throws into the emitter nor stops the others', async () => {
    const events = new InProcessDeviceFlowEvents();
    const seen: string[] = [];
    events.subscribe(() => {
      throw new Error('boom');
    });
    events.subscribe(async () => {
      throw new Error('async boom');
    });
    events.subscribe((e) => void seen.push(e.type));
    expect(() => events.emit(event)).not.toThrow();
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['user_code.guessing_limit_hit']);
  });
});
