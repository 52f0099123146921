import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const text = (name: string, length: number, nullable = false) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const millis = (name: string, nullable = false) => ({ name, type: 'bigint', isNullable: nullable });

/** Adds device grants (device management) and admin kill switches. Portable schema API. */
export class DeviceFlowGrants1764300000000 implements MigrationInterface {
  name = 'DeviceFlowGrants1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'device_flow_grants',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('client_id', 255),
          text('subject', 255),
          { ...text('scope', 2048), default: "''" },
          millis('requested_at'),
          millis('approved_at', true),
          millis('created_at'),
          millis('last_used_at'),
          millis('expires_at'),
          text('request_ip', 64, true),
          text('request_user_agent', 512, true),
          millis('revoked_at', true),
        ],
        indices: [
          new TableIndex({ name: 'IDX_device_flow_grant_client_id', columnNames: ['client_id'] }),
          new TableIndex({ name: 'IDX_device_flow_grant_subject', columnNames: ['subject'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'device_flow_kill_switches',
        columns: [
          { ...text('target', 255), isPrimary: true },
          millis('disabled_at'),
          text('reason', 512, true),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('device_flow_kill_switches');
    await q.dropTable('device_flow_grants');
  }
}
