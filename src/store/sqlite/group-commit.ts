import { StoreUnavailableError } from '../types.js';
import type { SqliteDatabase } from './database.js';

/** A failing disk (full, read-only, I/O error) is the store being unavailable: 503, Mailgun retries. */
export function unavailable(what: string, err: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`sqlite ${what}: ${err instanceof Error ? err.message : String(err)}`);
}

/** Runs one write (a statement, or a transaction function: nested, it becomes a savepoint) in the next group. */
export type GroupWrite = <T>(what: string, run: () => T) => Promise<T>;

interface Pending {
  what: string;
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * Group commit: the writes issued during one turn of the event loop run in one IMMEDIATE transaction, in the
 * order they were issued, and each caller hears of its own write once that transaction has committed.
 *
 * Why: a commit, not a statement, is what a write costs here (the WAL frames and their index, and the fsync of
 * every checkpoint): measured about 30 µs each, and one message makes four (its token and pairs' claims, their
 * two completions, the flood guard's unit) — the largest fixed cost of a small message. Under load the messages in
 * flight share their commits. Nothing about a write changes: it is as atomic as before (a transaction function is
 * a savepoint inside the group, a statement is atomic by itself), later writes see earlier ones, and the
 * IMMEDIATE lock still keeps a second process on the file from interleaving. A failed write fails alone; a group
 * whose commit fails, or that SQLite rolled back (a full or failing disk), fails every write in it: none of
 * them is reported done.
 */
export function groupCommit(db: SqliteDatabase): { write: GroupWrite; flush(): void } {
  let queue: Pending[] = [];
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    const group = queue;
    queue = [];
    if (group.length === 0) return;
    const results: Array<{ value: unknown } | { error: unknown }> = [];
    let lost: unknown = null;
    try {
      db.transaction(() => {
        for (const write of group) {
          try {
            results.push({ value: write.run() });
          } catch (error) {
            results.push({ error });
            // SQLite rolled the whole group back (SQLITE_FULL, an I/O error): later writes would run outside it.
            if (!db.inTransaction) throw error;
          }
        }
      }).immediate();
    } catch (err) {
      lost = err;
    }
    group.forEach((write, i) => {
      const result = results[i];
      if (lost !== null) write.reject(unavailable(write.what, lost));
      else if (result && 'value' in result) write.resolve(result.value);
      else write.reject(unavailable(write.what, result?.error));
    });
  };

  return {
    write<T>(what: string, run: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ what, run, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    /** Runs what is queued now (before the database closes). */
    flush,
  };
}
