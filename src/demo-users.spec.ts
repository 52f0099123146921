import { describe, expect, it } from 'vitest';
import { ManualClock } from '../libs/device-flow/src/index.js';
import { DEMO_SESSION_LIFETIME_MS, DemoSessionStore } from './demo-users.js';

describe('DemoSessionStore', () => {
  const alice = { id: 'alice', name: 'Alice' };

  it('keeps a session for its lifetime, not a moment longer', () => {
    const clock = new ManualClock();
    const store = new DemoSessionStore(clock);
    const id = store.regenerate(undefined, alice);
    clock.advance(DEMO_SESSION_LIFETIME_MS - 1);
    expect(store.get(id)).toEqual(alice);
    clock.advance(1);
    expect(store.get(id)).toBeNull();
  });

  it('forgets the previous session at login, and every session at sign-out', () => {
    const store = new DemoSessionStore(new ManualClock());
    const first = store.regenerate(undefined, alice);
    const second = store.regenerate(first, alice);
    expect(store.get(first)).toBeNull();
    expect(store.get(second)).toEqual(alice);
    store.end(second);
    expect(store.get(second)).toBeNull();
    expect(store.get(undefined)).toBeNull();
  });
});
