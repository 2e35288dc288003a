import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoreHealth } from '../types.js';
import type { SqliteDatabase } from './database.js';
import type { GroupWrite } from './group-commit.js';
import type { SqliteLedger } from './ledger.js';

/**
 * Below this much free space DATA_DIR counts as full: the WAL grows up to 1000 pages of 4 KiB between two
 * checkpoints, so with less than that left the next writes may fail while a probe that reuses the WAL's space
 * still passes.
 */
export const MIN_FREE_BYTES = 4 * 1024 * 1024;

export interface HealthDeps {
  db: SqliteDatabase;
  /** The database file, or null for ':memory:'. */
  file: string | null;
  write: GroupWrite;
  ledger: SqliteLedger;
  minFreeBytes: number;
}

/**
 * Whether the store can write, not only read: a full or read-only DATA_DIR answers every read and fails every
 * delivery. Checks that free space is left, that completions kept while the disk failed are written now, and
 * that a write commits (a probe row, expired at once, that pruning removes).
 */
export function sqliteHealth({ db, file, write, ledger, minFreeBytes }: HealthDeps): () => Promise<StoreHealth> {
  const probe = db.prepare("INSERT OR REPLACE INTO ledger (key, owner, expires_at) VALUES ('health:probe', NULL, 0)");
  return async () => {
    try {
      if (file) {
        const { bavail, bsize } = statfsSync(dirname(file));
        if (bavail * bsize < minFreeBytes) return { ok: false, detail: `sqlite: ${dirname(file)} is full (${bavail * bsize} bytes free)` };
      }
      await ledger.writeUnwritten();
      await write('health probe', () => probe.run());
      return { ok: true, detail: `sqlite: ${db.name}` };
    } catch (err) {
      return { ok: false, detail: `sqlite: ${err instanceof Error ? err.message : String(err)}` };
    }
  };
}
