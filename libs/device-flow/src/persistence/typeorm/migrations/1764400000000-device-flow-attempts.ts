import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Adds the counters of the verification page's guessing limits and of device code issuance
 * (RFC 8628 §5.1). Portable schema API: runs on SQLite, PostgreSQL and MySQL/MariaDB.
 */
export class DeviceFlowAttempts1764400000000 implements MigrationInterface {
  name = 'DeviceFlowAttempts1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'device_flow_attempts',
        columns: [
          { name: 'key_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'window_start', type: 'bigint' },
          { name: 'attempts', type: 'integer' },
        ],
        indices: [
          new TableIndex({
            name: 'IDX_device_flow_attempts_window_start',
            columnNames: ['window_start'],
          }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('device_flow_attempts');
  }
}
