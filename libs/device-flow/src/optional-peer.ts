/**
 * Whether `error`, thrown by `import(name)`, says the package `name` itself is not installed — not that one of
 * its own imports failed (a package it depends on missing, a broken install), which is reported as it is.
 * Node.js names the package it could not find: `Cannot find package 'ioredis' imported from …`.
 */
export function isPackageMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'ERR_MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    message.startsWith(`Cannot find package '${name}'`)
  );
}
