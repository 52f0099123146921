import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushAuditLog, stdoutSink } from '../../src/audit-log.js';

describe('demo audit log: standard output sink', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes the lines of one event-loop turn in one write, in order, before the next turn', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stdoutSink('{"audit":"a"}');
    stdoutSink('{"audit":"b"}');
    stdoutSink('{"audit":"c"}');
    expect(write).not.toHaveBeenCalled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(write.mock.calls).toEqual([['{"audit":"a"}\n{"audit":"b"}\n{"audit":"c"}\n']]);
    stdoutSink('{"audit":"d"}');
    await new Promise((resolve) => setImmediate(resolve));
    expect(write.mock.calls[1]).toEqual(['{"audit":"d"}\n']);
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('writes what is still pending when the process exits', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(process.listeners('exit')).toContain(flushAuditLog);
    stdoutSink('{"audit":"last"}');
    flushAuditLog();
    expect(write.mock.calls).toEqual([['{"audit":"last"}\n']]);
  });
});
