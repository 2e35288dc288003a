import type { Clock } from '../../clock.js';
import { storedKey } from '../keys.js';
import type { ClaimResult, Ledger } from '../types.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';

/**
 * The ledger on SQLite. Every operation is a write in the group commit, whose transaction is IMMEDIATE: a
 * second process on the same file cannot read the same free key between our read and our write.
 */
export function sqliteLedger(db: SqliteDatabase, clock: Clock, write: GroupWrite): Ledger & { prune(): number } {
  const read = db.prepare<[string], { owner: string | null; expires_at: number }>('SELECT owner, expires_at FROM ledger WHERE key = ?');
  const upsert = db.prepare<[string, string | null, number]>('INSERT OR REPLACE INTO ledger (key, owner, expires_at) VALUES (?, ?, ?)');
  const releaseOwned = db.prepare<[string, string]>('DELETE FROM ledger WHERE key = ? AND owner = ?');
  const expired = db.prepare<[number]>('DELETE FROM ledger WHERE expires_at <= ?');

  const claim = db.transaction((key: string, owner: string, ttlMs: number): ClaimResult => {
    const now = clock.now();
    const row = read.get(key);
    if (row && row.expires_at > now) return row.owner === null ? 'used' : 'busy';
    upsert.run(key, owner, now + ttlMs);
    return 'claimed';
  });

  return {
    async claim(space, key, owner, ttlMs) {
      return write('claim', () => claim(storedKey(space, key), owner, ttlMs));
    },
    async complete(space, key, ttlMs) {
      await write('complete', () => upsert.run(storedKey(space, key), null, clock.now() + ttlMs));
    },
    async release(space, key, owner) {
      await write('release', () => releaseOwned.run(storedKey(space, key), owner));
    },
    /** Drops expired keys; their rows would only be read as free anyway. */
    prune() {
      return expired.run(clock.now()).changes;
    },
  };
}
