import { Logger } from '@nestjs/common';

const warned = new Set<string>();

/** Logs once per store kind that in-memory storage is for development only (it is lost on restart and not
 *  shared between instances). */
export function warnDevelopmentOnly(store: string): void {
  if (warned.has(store)) return;
  warned.add(store);
  new Logger('DeviceFlow').warn(
    `${store}: in-memory storage is for development only (lost on restart, not shared between instances)`,
  );
}
