import type { Clock } from '../../clock.js';
import { storedKey } from '../keys.js';
import type { ClaimResult, DeliveryClaims, Ledger } from '../types.js';
import type { UnwrittenCompletions } from '../unwritten-completions.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';
import { ledgerRows } from './ledger-rows.js';

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
  const releaseOwned = db.prepare<[string, string]>('DELETE FROM ledger WHERE key = ? AND owner = ?');
  const expired = db.prepare<[number]>('DELETE FROM ledger WHERE expires_at <= ?');
  const many = ledgerRows(db);

  /**
   * Claims in one statement (ledgerRows), then reads what it left alone ('used' or 'busy'). The pairs go in the
   * token's statement: when the token turns out not to be ours, the pairs it took are freed again in the same write
   * (still ours, nothing else ran between), so a replay or a copy in flight leaves every pair as it was. Runs inside
   * a write of the group (IMMEDIATE), one savepoint: the token and its pairs are claimed together or not at all.
   */
  const claimKeys = db.transaction((token: string, pairs: readonly string[], owner: string, ttlMs: number): DeliveryClaims => {
    const now = clock.now();
    if (unwritten.has(token)) return { token: 'used', pairs: [] };
    const free = pairs.filter((pair) => !unwritten.has(pair));
    const claimed = many.claim([token, ...new Set(free)], owner, now + ttlMs, now);
    const answer = (key: string): ClaimResult => {
      if (unwritten.has(key)) return 'used';
      if (claimed.delete(key)) return 'claimed'; // a key named twice: ours once, then busy (held by ourselves)
      return read.get(key)?.owner === null ? 'used' : 'busy';
    };
    const first = answer(token);
    if (first !== 'claimed') {
      for (const pair of claimed) releaseOwned.run(pair, owner);
      return { token: first, pairs: [] };
    }
    return { token: first, pairs: pairs.map(answer) };
  });

  // Completions issued in one turn share one statement: the first one's write in the group carries them all. The
  // batch closes when that write runs, or when its group failed without running it (a completion that joins a
  // failed batch is told so, and kept in `unwritten` like any completion the disk refused).
  let completing: Array<readonly [string, number]> | null = null;
  let completed: Promise<void> = Promise.resolve();
  const complete = (key: string, expiresAt: number): Promise<void> => {
    if (completing === null) {
      const batch: Array<readonly [string, number]> = (completing = []);
      const close = (): void => {
        if (completing === batch) completing = null;
      };
      completed = write('complete', () => {
        close();
        many.done(batch);
      });
      completed.catch(close);
    }
    completing.push([key, expiresAt]);
    return completed;
  };

  const writeUnwritten = (): Promise<void> => unwritten.writeOut((entries) => write('unwritten completions', () => many.done(entries)));
  // Issued before the caller's own write, so both go in the same group.
  const alongside = (): void => {
    if (unwritten.size > 0) writeUnwritten().catch(() => undefined);
  };

  return {
    async claim(space, key, owner, ttlMs) {
      const k = storedKey(space, key);
      if (unwritten.has(k)) return 'used';
      alongside();
      return write('claim', () => claimKeys(k, [], owner, ttlMs).token);
    },
    async claimDelivery(token, pairs, owner, ttlMs) {
      alongside();
      return write('claim delivery', () => claimKeys(storedKey('token', token), pairs.map((pair) => storedKey('delivery', pair)), owner, ttlMs));
    },
    async complete(space, key, ttlMs) {
      const k = storedKey(space, key);
      const expiresAt = clock.now() + ttlMs;
      alongside();
      try {
        await complete(k, expiresAt);
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
