import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * An index on `device_flow_grants.expires_at`, for the purge that deletes grants `purge.retention` seconds after
 * they expire (their tokens are purged on the same schedule). Portable schema API: runs on SQLite, PostgreSQL
 * and MySQL/MariaDB.
 */
export class DeviceFlowGrantExpiry1764900000000 implements MigrationInterface {
  name = 'DeviceFlowGrantExpiry1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex(
      'device_flow_grants',
      new TableIndex({ name: 'IDX_device_flow_grant_expires_at', columnNames: ['expires_at'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('device_flow_grants', 'IDX_device_flow_grant_expires_at');
  }
}
