import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type DeviceFlowEvent, DeviceFlowEvents } from '../libs/device-flow/src/index.js';

/** Where the audit log goes; tests replace it. */
export const AUDIT_LOG_SINK = Symbol('AUDIT_LOG_SINK');

/** Writes one line of the audit log. */
export type AuditLogSink = (line: string) => void;

/** Lines written in this turn of the event loop, not yet handed to standard output. */
let pending = '';

/** Writes the lines not yet handed to standard output (at the end of each turn, and at exit). */
export function flushAuditLog(): void {
  if (pending === '') return;
  const lines = pending;
  pending = '';
  process.stdout.write(lines);
}

// Whatever is still pending when the process exits is written then (synchronous on files and pipes).
process.once('exit', flushAuditLog);

/**
 * The default sink: standard output, one write per turn of the event loop rather than per line (a write to a
 * pipe or file is a system call that blocks the event loop; under load a turn logs dozens of events). Lines keep
 * their order and are out before the next turn.
 */
export const stdoutSink: AuditLogSink = (line) => {
  if (pending === '') setImmediate(flushAuditLog);
  pending += line + '\n';
};

/**
 * The demo's audit log: every device flow event as one JSON line on standard output, e.g.
 * `{"audit":"device_code.issued","time":"2026-01-01T00:00:00.000Z","clientId":"demo-device",…}`.
 */
@Injectable()
export class AuditLog implements OnModuleInit, OnApplicationShutdown {
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(DeviceFlowEvents) private readonly events: DeviceFlowEvents,
    @Inject(AUDIT_LOG_SINK) private readonly sink: AuditLogSink,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((e) => this.sink(auditLine(e)));
  }

  /** After the HTTP server has stopped: the events of the last requests answered are written too. */
  onApplicationShutdown(): void {
    this.unsubscribe?.();
    flushAuditLog();
  }
}

/** The JSON line of an event: `audit` (the type) and an ISO `time` first, then the event's fields. */
export function auditLine(event: DeviceFlowEvent): string {
  const { type, at, ...fields } = event;
  return JSON.stringify({ audit: type, time: new Date(at).toISOString(), ...fields });
}
