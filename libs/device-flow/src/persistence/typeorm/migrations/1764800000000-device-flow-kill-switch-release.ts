import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/**
 * Kill switches remember their release: `released_at` (ms) is null while a switch is engaged and set when it is
 * released, so that the device codes it killed stay dead (RFC 8628 §3.5 `expired_token`). Existing rows are
 * engaged switches. Portable schema API: runs on SQLite, PostgreSQL and MySQL/MariaDB.
 */
export class DeviceFlowKillSwitchRelease1764800000000 implements MigrationInterface {
  name = 'DeviceFlowKillSwitchRelease1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'device_flow_kill_switches',
      new TableColumn({ name: 'released_at', type: 'bigint', isNullable: true }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Released switches would read as engaged without the column: drop them first.
    await q.query(
      `DELETE FROM ${q.connection.driver.escape('device_flow_kill_switches')} WHERE ${q.connection.driver.escape('released_at')} IS NOT NULL`,
    );
    await q.dropColumn('device_flow_kill_switches', 'released_at');
  }
}
