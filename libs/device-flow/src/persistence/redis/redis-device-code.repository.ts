import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.js';
import {
  type DeviceCodeChanges,
  type DeviceCodeRecord,
  type DeviceCodeRepository,
  type DeviceCodeStatus,
  UserCodeCollisionError,
} from '../device-code.repository.js';
import { TransactionContext } from '../unit-of-work.js';

/** Fields of a record, each stored JSON-encoded in one Redis hash (`null` as `null`, numbers as digits). */
const FIELDS = [
  'id',
  'deviceCodeHash',
  'userCodeHash',
  'clientId',
  'scope',
  'status',
  'subject',
  'grantedScope',
  'interval',
  'lastPolledAt',
  'expiresAt',
  'createdAt',
  'decidedAt',
  'requestIp',
  'requestUserAgent',
] as const satisfies readonly (keyof DeviceCodeRecord)[];

/**
 * KEYS: record, device-code index, user-code index, expiry index. ARGV: ttl ms, id, expiresAt, then field/value
 * pairs. Both indexes and the record are written together or not at all.
 */
const CREATE = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 'user_code' end
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[1]) == 1 then return 'duplicate' end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[1])
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[1])
return 'ok'`;

/**
 * KEYS: expiry index. ARGV: before (ms), record / device-code / user-code key prefixes, batch size. Deletes up to
 * a batch of the records that expired before \`before\` with their index keys; returns how many index entries it
 * took (a full batch: call again).
 */
const DELETE_EXPIRED = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[5]))
local n = 0
for _, id in ipairs(ids) do
  local key = ARGV[2] .. id
  local fields = redis.call('HMGET', key, 'deviceCodeHash', 'userCodeHash')
  if fields[1] then
    redis.call('DEL', key, ARGV[3] .. cjson.decode(fields[1]), ARGV[4] .. cjson.decode(fields[2]))
    n = n + 1
  end
  redis.call('ZREM', KEYS[1], id)
end
return {n, #ids}`;

/** KEYS: an index key. ARGV: record key prefix. The record the index points to, as HGETALL pairs. */
const FIND = `
local id = redis.call('GET', KEYS[1])
if not id then return {} end
return redis.call('HGETALL', ARGV[1] .. id)`;

/**
 * KEYS: record. ARGV: now, tolerance ms, slow-down seconds. 1 if the poll respected the interval, 0 if it was
 * too fast (the interval grew), -1 if there is no such record. Timestamps stay strings when written back: Lua
 * numbers would print large values as 1.8e+12.
 */
const RECORD_POLL = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local last = redis.call('HGET', KEYS[1], 'lastPolledAt')
local interval = tonumber(redis.call('HGET', KEYS[1], 'interval'))
redis.call('HSET', KEYS[1], 'lastPolledAt', ARGV[1])
if last == 'null' or tonumber(last) + interval * 1000 - tonumber(ARGV[2]) <= tonumber(ARGV[1]) then
  return 1
end
redis.call('HINCRBY', KEYS[1], 'interval', ARGV[3])
return 0`;

/**
 * Hash fields the store keeps beside a record's own (never read back as part of it): the id of the last
 * transition and the values it replaced, so that a transition whose answer never came can be undone.
 */
const OP_FIELD = '_op';
const UNDO_FIELD = '_undo';

/**
 * KEYS: record. ARGV: from (JSON), check expiry ('1'/'0'), now, operation id, then field/value pairs to set.
 * Returns the previous values of those fields (for an undo), or nil when the record is not in \`from\` (or
 * expired). Also keeps them in the record with the operation id, for {@link UNDO_LOST}.
 */
const TRANSITION = `
if redis.call('HGET', KEYS[1], 'status') ~= ARGV[1] then return nil end
if ARGV[2] == '1' and tonumber(redis.call('HGET', KEYS[1], 'expiresAt')) <= tonumber(ARGV[3]) then
  return nil
end
local previous = {}
for i = 5, #ARGV, 2 do
  previous[#previous + 1] = ARGV[i]
  previous[#previous + 1] = redis.call('HGET', KEYS[1], ARGV[i])
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('HSET', KEYS[1], '${OP_FIELD}', ARGV[4], '${UNDO_FIELD}', cjson.encode(previous))
return previous`;

/**
 * KEYS: record. ARGV: operation id. Undoes that transition if it is the record's last one (its values back),
 * else nothing. Sent right behind a transition whose answer timed out: Redis runs a client's commands in order,
 * so if the transition ran after all (Redis was only slow), this runs after it and takes it back; if it never
 * ran, nothing matches. 1 when something was undone.
 */
const UNDO_LOST = `
if redis.call('HGET', KEYS[1], '${OP_FIELD}') ~= ARGV[1] then return 0 end
local previous = cjson.decode(redis.call('HGET', KEYS[1], '${UNDO_FIELD}'))
if #previous > 0 then redis.call('HSET', KEYS[1], unpack(previous)) end
redis.call('HDEL', KEYS[1], '${OP_FIELD}', '${UNDO_FIELD}')
return 1`;

/** A new transition's id, which its undo ({@link UNDO_LOST}) matches. */
function operationId(): string {
  return randomBytes(12).toString('base64url');
}

/** How many expired codes one purge script deletes at most (each a few commands: well under a millisecond). */
const PURGE_BATCH = 500;

/** Options of {@link RedisDeviceCodeRepository}. */
export interface RedisDeviceCodeRepositoryOptions {
  /** Prefix of every key (default `device-flow:`). Give each deployment (and each test) its own. */
  keyPrefix?: string;
  /**
   * How long a code is kept after it expires, in ms, so that a replayed (consumed) device code is still
   * recognised as used. Default one day.
   */
  retentionMs?: number;
}

type RedisWithScripts = Redis & {
  dfCreate(k1: string, k2: string, k3: string, k4: string, ...argv: string[]): Promise<string>;
  dfDeleteExpired(key: string, before: string, ...argv: string[]): Promise<[number, number]>;
  dfFind(key: string, recordPrefix: string): Promise<string[]>;
  dfRecordPoll(key: string, now: string, tol: string, slow: string): Promise<number>;
  dfTransition(key: string, ...argv: string[]): Promise<string[] | null>;
  dfUndoLost(key: string, op: string): Promise<number>;
};

/**
 * {@link DeviceCodeRepository} on Redis: each request is a hash that expires by itself (native TTL: the code's
 * lifetime plus a retention period to detect replays), with two index keys (device code hash, user code hash).
 * Every state change is one Lua script, so it is an atomic compare-and-set across any number of instances.
 *
 * Redis cannot join a database transaction: inside a {@link UnitOfWork} a transition registers its undo, run if
 * the unit fails (a claimed code goes back to `approved` when minting fails).
 *
 * @see RFC 8628 §3.2, §3.5
 */
export class RedisDeviceCodeRepository implements DeviceCodeRepository {
  private readonly redis: RedisWithScripts;
  private readonly prefix: string;
  private readonly retentionMs: number;

  constructor(client: RedisClient, options: RedisDeviceCodeRepositoryOptions = {}) {
    const redis = client as Redis;
    this.prefix = options.keyPrefix ?? 'device-flow:';
    this.retentionMs = options.retentionMs ?? 86_400_000;
    const scripts: Record<string, [string, number]> = {
      dfCreate: [CREATE, 4],
      dfDeleteExpired: [DELETE_EXPIRED, 1],
      dfFind: [FIND, 1],
      dfRecordPoll: [RECORD_POLL, 1],
      dfTransition: [TRANSITION, 1],
      dfUndoLost: [UNDO_LOST, 1],
    };
    for (const [name, [lua, numberOfKeys]] of Object.entries(scripts)) {
      if (!(name in redis)) redis.defineCommand(name, { lua, numberOfKeys });
    }
    this.redis = redis as RedisWithScripts;
  }

  async create(record: DeviceCodeRecord): Promise<void> {
    const ttl = Math.max(1, record.expiresAt - record.createdAt + this.retentionMs);
    const pairs = FIELDS.flatMap((f) => [f, JSON.stringify(record[f])]);
    const result = await this.redis.dfCreate(
      this.recordKey(record.id),
      this.deviceKey(record.deviceCodeHash),
      this.userKey(record.userCodeHash),
      this.expiryKey(),
      String(ttl),
      record.id,
      String(record.expiresAt),
      ...pairs,
    );
    if (result === 'user_code') throw new UserCodeCollisionError();
    if (result !== 'ok') throw new Error('duplicate device code');
  }

  async findByDeviceCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    return this.decode(await this.redis.dfFind(this.deviceKey(hash), this.recordKeyInScript()));
  }

  async findByUserCodeHash(hash: string): Promise<DeviceCodeRecord | null> {
    return this.decode(await this.redis.dfFind(this.userKey(hash), this.recordKeyInScript()));
  }

  async recordPoll(
    id: string,
    now: number,
    toleranceMs: number,
    slowDownSeconds: number,
  ): Promise<boolean> {
    const result = await this.redis.dfRecordPoll(
      this.recordKey(id),
      String(now),
      String(toleranceMs),
      String(Math.trunc(slowDownSeconds)),
    );
    return result === 1;
  }

  async transition(
    id: string,
    from: DeviceCodeStatus,
    to: DeviceCodeStatus,
    now: number,
    changes: DeviceCodeChanges = {},
  ): Promise<boolean> {
    const key = this.recordKey(id);
    const set = { ...changes, status: to };
    const op = operationId();
    let previous: string[] | null;
    try {
      previous = await this.redis.dfTransition(
        key,
        JSON.stringify(from),
        from === 'pending' ? '1' : '0',
        String(now),
        op,
        ...Object.entries(set).flatMap(([f, v]) => [f, JSON.stringify(v ?? null)]),
      );
    } catch (error) {
      // No answer (a command timeout, a dropped connection): Redis may still run the transition once it catches
      // up — a claim would then burn the code with no tokens issued. Queue its undo right behind it; the caller
      // fails (503) as if the transition never happened, and so it will not have.
      this.redis.dfUndoLost(key, op).catch(() => undefined);
      throw error;
    }
    if (!previous) return false;
    // Undo if the surrounding unit of work fails: back to `from` only if still in `to` (compare-and-set).
    TransactionContext.current()?.onRollback(() =>
      this.redis.dfTransition(
        key,
        JSON.stringify(to),
        '0',
        String(now),
        operationId(),
        ...previous,
      ),
    );
    return true;
  }

  /**
   * Deletes codes that expired before `before` (the purge job passes now − retention). Redis also expires them
   * by itself (TTL = lifetime + retention), so this only matters when the clocks or the retention differ.
   */
  async deleteExpired(before: number): Promise<number> {
    const p = this.redis.options.keyPrefix ?? '';
    let deleted = 0;
    // In batches: one script blocks Redis while it runs, and a backlog of many thousand codes would hold every
    // other command (and trip the clients' command timeouts) for as long.
    for (;;) {
      const [n, taken] = await this.redis.dfDeleteExpired(
        this.expiryKey(),
        String(before),
        p + this.recordKey(''),
        p + this.deviceKey(''),
        p + this.userKey(''),
        String(PURGE_BATCH),
      );
      deleted += n;
      if (taken < PURGE_BATCH) return deleted;
    }
  }

  private expiryKey(): string {
    return `${this.prefix}expiry`;
  }

  private recordKey(id: string): string {
    return `${this.prefix}code:${id}`;
  }

  /** The record key prefix as a script builds it: ioredis prefixes KEYS with its own `keyPrefix`, not ARGV. */
  private recordKeyInScript(): string {
    return (this.redis.options.keyPrefix ?? '') + this.recordKey('');
  }

  private deviceKey(hash: string): string {
    return `${this.prefix}device-code:${hash}`;
  }

  private userKey(hash: string): string {
    return `${this.prefix}user-code:${hash}`;
  }

  private decode(pairs: string[]): DeviceCodeRecord | null {
    if (!pairs || pairs.length === 0) return null;
    const record: Record<string, unknown> = {};
    for (let i = 0; i < pairs.length; i += 2) {
      if (pairs[i] === OP_FIELD || pairs[i] === UNDO_FIELD) continue;
      record[pairs[i]!] = JSON.parse(pairs[i + 1]!);
    }
    return record as unknown as DeviceCodeRecord;
  }
}
