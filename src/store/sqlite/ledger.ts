import type { Clock } from '../../clock.js';
import { storedKey } from '../keys.js';
import type { ClaimResult, DeliveryClaims, Ledger } from '../types.js';
import type { UnwrittenCompletions } from '../unwritten-completions.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';

export type SqliteLedger = Ledger & {
  prune(): number;
  /** Writes the completions kept while the disk failed; rejects (and keeps them) while it still fails. */
  writeUnwritten(): Promise<void>;
};

/**
 * The ledger on SQLite. Every operation is a write in the group commit, whose transaction is IMMEDIATE: a
 * second process on the same file cannot read the same free key between our read and our write.
 *
 * A completion the disk refused (full, read-only, failing) is kept in `unwritten`: a claim on its key is 'used'
 * meanwhile, and every later ledger write carries the kept ones along in its group, so they reach the file with
 * the first group that commits.
 */
export function sqliteLedger(db: SqliteDatabase, clock: Clock, write: GroupWrite, unwritten: UnwrittenCompletions): SqliteLedger {
  const read = db.prepare<[string], { owner: string | null }>('SELECT owner FROM ledger WHERE key = ?');
  // A claim in one statement: a new key is inserted, an expired one taken over, a live one left alone (no change).
  // One row per statement: a multi-row VALUES … RETURNING costs more than its rows' statements one by one (measured).
  const take = db.prepare<[string, string, number, number]>(
    'INSERT INTO ledger (key, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE ledger.expires_at <= ?',
  );
  const upsert = db.prepare<[string, string | null, number]>('INSERT OR REPLACE INTO ledger (key, owner, expires_at) VALUES (?, ?, ?)');
  const releaseOwned = db.prepare<[string, string]>('DELETE FROM ledger WHERE key = ? AND owner = ?');
  const expired = db.prepare<[number]>('DELETE FROM ledger WHERE expires_at <= ?');

  /** Runs inside a write of the group (IMMEDIATE): nothing can change the key between the statement and the read. */
  const claim = (key: string, owner: string, expiresAt: number, now: number): ClaimResult => {
    if (unwritten.has(key)) return 'used';
    if (take.run(key, owner, expiresAt, now).changes > 0) return 'claimed';
    return read.get(key)?.owner === null ? 'used' : 'busy';
  };
  /** The token, then (only when it is ours) each pair: one savepoint, so they are claimed together or not at all. */
  const claimDelivery = db.transaction((token: string, pairs: readonly string[], owner: string, ttlMs: number): DeliveryClaims => {
    const now = clock.now();
    const first = claim(token, owner, now + ttlMs, now);
    return { token: first, pairs: first === 'claimed' ? pairs.map((pair) => claim(pair, owner, now + ttlMs, now)) : [] };
  });

  const writeUnwritten = (): Promise<void> =>
    unwritten.writeOut((entries) => write('unwritten completions', () => entries.forEach(([key, expiresAt]) => upsert.run(key, null, expiresAt))));
  // Issued before the caller's own write, so both go in the same group.
  const alongside = (): void => {
    if (unwritten.size > 0) writeUnwritten().catch(() => undefined);
  };

  return {
    async claim(space, key, owner, ttlMs) {
      const k = storedKey(space, key);
      if (unwritten.has(k)) return 'used';
      alongside();
      return write('claim', () => {
        const now = clock.now();
        return claim(k, owner, now + ttlMs, now);
      });
    },
    async claimDelivery(token, pairs, owner, ttlMs) {
      const keys = pairs.map((pair) => storedKey('delivery', pair));
      alongside();
      return write('claim delivery', () => claimDelivery(storedKey('token', token), keys, owner, ttlMs));
    },
    async bind(token, endpoint, ttlMs) {
      const k = storedKey('signature', token);
      alongside();
      return write('bind', () => {
        const now = clock.now();
        take.run(k, endpoint, now + ttlMs, now);
        return read.get(k)?.owner === endpoint;
      });
    },
    async complete(space, key, ttlMs) {
      const k = storedKey(space, key);
      const expiresAt = clock.now() + ttlMs;
      alongside();
      try {
        await write('complete', () => upsert.run(k, null, expiresAt));
      } catch (err) {
        unwritten.keep(k, expiresAt);
        throw err;
      }
    },
    async release(space, key, owner) {
      alongside();
      await write('release', () => releaseOwned.run(storedKey(space, key), owner));
    },
    /** Drops expired keys; their rows would only be read as free anyway. */
    prune() {
      return expired.run(clock.now()).changes;
    },
    writeUnwritten,
  };
}
