import type { Clock } from '../../clock.js';
import { nextWatch, type BounceWatch, type BounceWatchLimits, type RepeatedBounce } from '../bounce-watch.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';

/** The bounce watch on SQLite: one row per target (migration 4), pruned by age and count on every write. */
export function sqliteBounceWatch(db: SqliteDatabase, clock: Clock, limits: BounceWatchLimits, guard: <T>(what: string, run: () => T) => T, write: GroupWrite): BounceWatch & { prune(): number } {
  const read = db.prepare<[string], RepeatedBounce>('SELECT * FROM bounce_watch WHERE target = ?');
  const upsert = db.prepare<[RepeatedBounce]>('INSERT OR REPLACE INTO bounce_watch (target, alias, error, at, removals, since) VALUES (@target, @alias, @error, @at, @removals, @since)');
  const expired = db.prepare<[number]>('DELETE FROM bounce_watch WHERE at <= ?');
  const overCap = db.prepare<[number]>('DELETE FROM bounce_watch WHERE target IN (SELECT target FROM bounce_watch ORDER BY at DESC LIMIT -1 OFFSET ?)');
  const repeated = db.prepare<[number, number], RepeatedBounce>('SELECT * FROM bounce_watch WHERE removals > 1 AND at > ? ORDER BY at DESC LIMIT ?');
  const cutoff = () => clock.now() - limits.windowMs;
  const prune = () => expired.run(cutoff()).changes + overCap.run(limits.maxTargets).changes;
  const removed = db.transaction((removal: Parameters<BounceWatch['removed']>[0]) => {
    const entry = nextWatch(read.get(removal.target) ?? null, removal, limits.windowMs);
    upsert.run(entry);
    prune();
    return entry.removals;
  });
  return {
    removed: (removal) => write('record bounce removal', () => removed(removal)),
    async repeated(limit) {
      return guard('repeated bounces', () => repeated.all(cutoff(), limit));
    },
    prune,
  };
}
