import type { MigrationInterface, QueryRunner } from 'typeorm';
import { binaryKeyCollation } from '../binary-keys.js';
import { isMysqlFamily } from '../prepared-statements.js';

/** The key columns as of this migration (frozen: later key columns get their collation where they are added). */
const KEY_COLUMNS: Record<string, string[]> = {
  device_flow_device_codes: ['id', 'device_code_hash', 'user_code_hash', 'client_id', 'subject'],
  device_flow_tokens: ['id', 'token_hash', 'client_id', 'subject', 'grant_id'],
  device_flow_clients: ['client_id'],
  device_flow_grants: ['id', 'client_id', 'subject'],
  device_flow_kill_switches: ['target'],
  device_flow_attempts: ['key_hash'],
};

/**
 * MySQL/MariaDB only: the key columns (ids, client ids, subjects, kill switch targets, hashes) compare exactly.
 * The tables were created with the database's default collation, which ignores case and (mostly) trailing spaces:
 * `DEMO-DEVICE` or `demo-device ` found the client `demo-device`, a subject `ALICE` the grants of `alice`. Each
 * column keeps its type and nullability and gets `utf8mb4` with a binary NO PAD collation (see
 * `binaryKeyCollation`); MySQL rebuilds the tables and their indexes. Rows cannot collide: a binary collation
 * tells apart everything the old one did. On SQLite and PostgreSQL, which compare exactly already, it does nothing.
 *
 * `down` returns the columns to the table's default collation; it fails if rows now differ only in case.
 */
export class DeviceFlowBinaryKeys1764700000000 implements MigrationInterface {
  name = 'DeviceFlowBinaryKeys1764700000000';

  async up(q: QueryRunner): Promise<void> {
    if (!isMysqlFamily(q.connection)) return;
    const collation = await binaryKeyCollation(q);
    for (const [table, columns] of Object.entries(KEY_COLUMNS))
      await modifyColumns(q, table, columns, ` CHARACTER SET utf8mb4 COLLATE ${collation}`);
  }

  async down(q: QueryRunner): Promise<void> {
    if (!isMysqlFamily(q.connection)) return;
    // Without CHARACTER SET / COLLATE, MySQL gives a column the table's defaults again.
    for (const [table, columns] of Object.entries(KEY_COLUMNS))
      await modifyColumns(q, table, columns, '');
  }
}

/** One `ALTER TABLE … MODIFY` per table, keeping each column's type (`varchar(255)`) and nullability. */
async function modifyColumns(
  q: QueryRunner,
  table: string,
  columns: string[],
  collate: string,
): Promise<void> {
  const found = (await q.query(
    'SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable ' +
      'FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [table],
  )) as { name: string; type: string; nullable: string }[];
  const changes = columns.map((name) => {
    const column = found.find((c) => c.name === name);
    if (!column) throw new Error(`DeviceFlowBinaryKeys: column ${table}.${name} not found`);
    const nullability = column.nullable === 'YES' ? 'NULL' : 'NOT NULL';
    return `MODIFY \`${name}\` ${column.type}${collate} ${nullability}`;
  });
  await q.query(`ALTER TABLE \`${table}\` ${changes.join(', ')}`);
}
