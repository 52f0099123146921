/** True when a driver error is a unique-constraint violation (SQLite, PostgreSQL, MySQL/MariaDB). */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: unknown; driverError?: { code?: unknown; errno?: unknown } };
  const code = err.driverError?.code ?? err.code;
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505' ||
    code === 'ER_DUP_ENTRY' ||
    err.driverError?.errno === 1062
  );
}
