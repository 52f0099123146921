import type { DataSource } from 'typeorm';
import { isMysqlFamily } from './prepared-statements.js';

/**
 * The module's key columns: every string column a lookup compares (ids, client ids, subjects, kill switch
 * targets, code, token and limiter key hashes). Each must compare exactly: `TV` is not the client `tv`, `ALICE`
 * not the user `alice`, `alice ` neither.
 *
 * SQLite (`BINARY`) and PostgreSQL (deterministic collations) compare exactly already. MySQL and MariaDB compare
 * by the column's collation, and their defaults (`utf8mb4_general_ci`, `utf8mb4_0900_ai_ci`, …) ignore case —
 * most also trailing spaces. There these columns get a binary collation without padding
 * ({@link binaryKeyCollation}): from the migration `DeviceFlowBinaryKeys1764700000000` (which has its own frozen
 * copy of this list), and on a module-owned DataSource with `synchronize` from {@link useBinaryKeyCollation}.
 */
export const BINARY_KEY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  device_flow_device_codes: ['id', 'device_code_hash', 'user_code_hash', 'client_id', 'subject'],
  device_flow_tokens: ['id', 'token_hash', 'client_id', 'subject', 'grant_id'],
  device_flow_clients: ['client_id'],
  device_flow_grants: ['id', 'client_id', 'subject'],
  device_flow_kill_switches: ['target'],
  device_flow_attempts: ['key_hash'],
};

/** Something that runs SQL: a DataSource or a QueryRunner. */
interface Queryable {
  query(sql: string): Promise<unknown>;
}

/**
 * The exact-comparison collation of `utf8mb4` on this MySQL or MariaDB server: `utf8mb4_nopad_bin` (MariaDB
 * 10.2+) or `utf8mb4_0900_bin` (MySQL 8.0.17+), binary and NO PAD, so that neither case nor trailing spaces are
 * ignored; `utf8mb4_bin` on older servers (binary, but it ignores trailing spaces: the client repository's exact
 * comparison still holds for client ids there).
 */
export async function binaryKeyCollation(db: Queryable): Promise<string> {
  const rows = (await db.query(
    'SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS ' +
      "WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')",
  )) as { name: string }[];
  const names = rows.map((r) => r.name);
  return ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin'].find((n) => names.includes(n)) ?? 'utf8mb4_bin';
}

/**
 * Gives the key columns of an initialised DataSource's entity metadata the binary collation on MySQL/MariaDB,
 * so that `synchronize` creates them as the migrations do. Metadata only: it changes no existing table.
 */
export async function useBinaryKeyCollation(dataSource: DataSource): Promise<void> {
  if (!isMysqlFamily(dataSource)) return;
  const collation = await binaryKeyCollation(dataSource);
  for (const metadata of dataSource.entityMetadatas) {
    for (const name of BINARY_KEY_COLUMNS[metadata.tableNameWithoutPrefix] ?? []) {
      const column = metadata.findColumnWithDatabaseName(name);
      if (!column) continue;
      column.charset = 'utf8mb4';
      column.collation = collation;
    }
  }
}
