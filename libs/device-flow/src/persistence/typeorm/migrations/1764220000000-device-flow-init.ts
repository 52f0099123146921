import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const text = (name: string, length: number, nullable = false) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const millis = (name: string, nullable = false) => ({ name, type: 'bigint', isNullable: nullable });

/**
 * Creates the device flow tables and their indexes. Written with TypeORM's portable schema API, so the same
 * migration runs on SQLite, PostgreSQL and MySQL/MariaDB.
 */
export class DeviceFlowInit1764220000000 implements MigrationInterface {
  name = 'DeviceFlowInit1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'device_flow_device_codes',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('device_code_hash', 64),
          text('user_code_hash', 64),
          text('client_id', 255),
          { ...text('scope', 2048), default: "''" },
          text('status', 16),
          text('subject', 255, true),
          text('granted_scope', 2048, true),
          { name: 'interval_seconds', type: 'integer' },
          millis('last_polled_at', true),
          millis('expires_at'),
          millis('created_at'),
          millis('decided_at', true),
          text('request_ip', 64, true),
          text('request_user_agent', 512, true),
        ],
        indices: [
          new TableIndex({
            name: 'IDX_device_flow_device_code_hash',
            columnNames: ['device_code_hash'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'IDX_device_flow_user_code_hash',
            columnNames: ['user_code_hash'],
            isUnique: true,
          }),
          new TableIndex({
            name: 'IDX_device_flow_device_code_expires_at',
            columnNames: ['expires_at'],
          }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'device_flow_tokens',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('token_hash', 64),
          text('kind', 16),
          text('client_id', 255),
          text('subject', 255),
          { ...text('scope', 2048), default: "''" },
          text('grant_id', 36),
          millis('expires_at'),
          millis('created_at'),
          millis('revoked_at', true),
        ],
        indices: [
          new TableIndex({
            name: 'IDX_device_flow_token_hash',
            columnNames: ['token_hash'],
            isUnique: true,
          }),
          new TableIndex({ name: 'IDX_device_flow_token_grant_id', columnNames: ['grant_id'] }),
          new TableIndex({ name: 'IDX_device_flow_token_expires_at', columnNames: ['expires_at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'device_flow_clients',
        columns: [
          { ...text('client_id', 255), isPrimary: true },
          text('secret_hash', 255, true),
          text('grant_types', 1024),
          text('scopes', 2048),
          text('display_name', 255),
          { name: 'disabled', type: 'boolean' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('device_flow_clients');
    await q.dropTable('device_flow_tokens');
    await q.dropTable('device_flow_device_codes');
  }
}
