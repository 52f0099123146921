import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

/** The part of better-sqlite3 used here (the package has no types of its own). */
interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(source: string): void;
  prepare(source: string): { run(...values: unknown[]): unknown };
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
) => SqliteDatabase;

/**
 * `npm run build && node dist/bench/sqlite-inserts.js [--rows 100000] [--inserts 60000] [--group 20]`
 *
 * What one device authorization costs SQLite, without HTTP or Nest: rows shaped like the device-code table
 * (the demo's pragmas: WAL, `synchronous = NORMAL`, 32 MiB cache, checkpoint every 10,000 pages), `--rows`
 * already there, then `--inserts` more in transactions of `--group` (what group commit does under load). Prints
 * µs per insert for each way of keying the row: random UUIDv4 id with both code hashes random (before), a
 * time-ordered id (UUIDv7), a time-ordered id and device-code key (now: only the user-code hash is random), and
 * no random index at all (the floor). Each runs in a fresh file.
 */
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const rows = arg('rows', 100_000);
const inserts = arg('inserts', 60_000);
const group = arg('group', 20);

interface Keys {
  label: string;
  id(now: number, n: number): string;
  deviceKey(now: number): string;
  userKey(now: number, n: number): string;
}

const hash = () => randomBytes(32).toString('base64url');
const ordered = (now: number, n: number) =>
  `${now.toString(16).padStart(12, '0')}${String(n).padStart(10, '0')}`;
const KEYS: Keys[] = [
  {
    label: 'random id, random device and user keys (before)',
    id: () => randomUUID(),
    deviceKey: hash,
    userKey: hash,
  },
  {
    label: 'time-ordered id, random device and user keys',
    id: ordered,
    deviceKey: hash,
    userKey: hash,
  },
  {
    label: 'time-ordered id and device key, random user key (now)',
    id: ordered,
    deviceKey: (now) => now.toString(16).padStart(12, '0') + hash(),
    userKey: hash,
  },
  {
    label: 'nothing random (floor, not possible: user codes are typed in)',
    id: ordered,
    deviceKey: (now) => ordered(now, 0) + hash(),
    userKey: ordered,
  },
];

function measure(keys: Keys): number {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-inserts-'));
  const db = new Database(join(dir, 'bench.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -32768');
    db.pragma('wal_autocheckpoint = 10000');
    db.exec(
      'CREATE TABLE codes (id varchar(36) PRIMARY KEY NOT NULL, device_code_hash varchar(64) NOT NULL, ' +
        'user_code_hash varchar(64) NOT NULL, client_id varchar(255) NOT NULL, scope varchar(2048) NOT NULL, ' +
        'status varchar(16) NOT NULL, interval_seconds integer NOT NULL, expires_at bigint NOT NULL, ' +
        'created_at bigint NOT NULL, request_ip varchar(64), request_user_agent varchar(512));' +
        'CREATE UNIQUE INDEX codes_device ON codes (device_code_hash);' +
        'CREATE UNIQUE INDEX codes_user ON codes (user_code_hash);' +
        'CREATE INDEX codes_expires ON codes (expires_at);',
    );
    const insert = db.prepare('INSERT INTO codes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    let n = 0;
    const one = () => {
      const now = Date.now();
      n++;
      insert.run(
        keys.id(now, n),
        keys.deviceKey(now),
        keys.userKey(now, n),
        'demo-device',
        'read',
        'pending',
        5,
        now + 600_000,
        now,
        '127.0.0.1',
        'bench',
      );
    };
    const batch = db.transaction((count: number) => {
      for (let i = 0; i < count; i++) one();
    });
    for (let done = 0; done < rows; done += 1000) batch(Math.min(1000, rows - done));
    const started = process.hrtime.bigint();
    for (let done = 0; done < inserts; done += group) batch(Math.min(group, inserts - done));
    return Number(process.hrtime.bigint() - started) / 1000 / inserts;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`${rows} rows, then ${inserts} inserts in transactions of ${group}:`);
for (const keys of KEYS)
  console.log(`${measure(keys).toFixed(1).padStart(7)} µs/insert  ${keys.label}`);
