import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

/** Rows per statement: far below SQLite's 32,766 parameters, and more than a turn's completions under load. */
const MAX_ROWS = 100;

/**
 * The ledger's statements over several keys at once, one statement for all of them: what a statement costs is mostly
 * its step through the B-tree pages, which several rows on the same pages share. A statement is prepared once per
 * row count (a delivery's targets, a turn's completions: few distinct counts).
 */
export function ledgerRows(db: SqliteDatabase) {
  const claims = new Map<number, Statement<unknown[], { key: string }>>();
  const dones = new Map<number, Statement<unknown[]>>();
  const rows = (n: number, row: string): string => Array.from({ length: n }, () => row).join(', ');

  const claimStatement = (n: number) => {
    let statement = claims.get(n);
    if (!statement) {
      statement = db.prepare<unknown[], { key: string }>(
        `INSERT INTO ledger (key, owner, expires_at) VALUES ${rows(n, '(?, ?, ?)')}
           ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE ledger.expires_at <= ?
           RETURNING key`,
      );
      claims.set(n, statement);
    }
    return statement;
  };
  const doneStatement = (n: number) => {
    let statement = dones.get(n);
    if (!statement) {
      statement = db.prepare<unknown[]>(`INSERT OR REPLACE INTO ledger (key, owner, expires_at) VALUES ${rows(n, '(?, NULL, ?)')}`);
      dones.set(n, statement);
    }
    return statement;
  };

  return {
    /**
     * Claims every key that is free (absent, or expired) for `owner` until `expiresAt`, and leaves the live ones as
     * they are: the keys it claimed. Run inside a write of the group (IMMEDIATE), so no other process comes between.
     */
    claim(keys: readonly string[], owner: string, expiresAt: number, now: number): Set<string> {
      if (keys.length === 0) return new Set();
      const claimed = claimStatement(keys.length).all(...keys.flatMap((key) => [key, owner, expiresAt]), now);
      return new Set(claimed.map((row) => row.key));
    },
    /** Marks each key done (owner NULL) until its expiry, whoever held it. */
    done(entries: ReadonlyArray<readonly [string, number]>): void {
      for (let i = 0; i < entries.length; i += MAX_ROWS) {
        const chunk = entries.slice(i, i + MAX_ROWS);
        doneStatement(chunk.length).run(...chunk.flatMap(([key, expiresAt]) => [key, expiresAt]));
      }
    },
  };
}
