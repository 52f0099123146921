import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type DeviceFlowEvent, DeviceFlowEvents } from '../libs/device-flow/src/index.js';

/** Where the audit log goes; tests replace it. */
export const AUDIT_LOG_SINK = Symbol('AUDIT_LOG_SINK');

/** Writes one line of the audit log. */
export type AuditLogSink = (line: string) => void;

/** The default sink: standard output. */
export const stdoutSink: AuditLogSink = (line) => {
  process.stdout.write(line + '\n');
};

/**
 * The demo's audit log: every device flow event as one JSON line on standard output, e.g.
 * `{"audit":"device_code.issued","time":"2026-01-01T00:00:00.000Z","clientId":"demo-device",…}`.
 */
@Injectable()
export class AuditLog implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(DeviceFlowEvents) private readonly events: DeviceFlowEvents,
    @Inject(AUDIT_LOG_SINK) private readonly sink: AuditLogSink,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((e) => this.sink(auditLine(e)));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}

/** The JSON line of an event: `audit` (the type) and an ISO `time` first, then the event's fields. */
export function auditLine(event: DeviceFlowEvent): string {
  const { type, at, ...fields } = event;
  return JSON.stringify({ audit: type, time: new Date(at).toISOString(), ...fields });
}
