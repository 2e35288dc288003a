import { linkSync, rmSync, statSync } from 'node:fs';
import type { SqliteDatabase } from './database.js';

/** Which file a connection has open: its device and inode, taken right after it was opened. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export function identityOf(file: string): FileIdentity {
  const { dev, ino } = statSync(file);
  return { dev, ino };
}

/**
 * Whether `file` is still the one the connection opened. 'missing': deleted under the running relay, whose writes
 * would go to an unlinked inode that the next start never sees. 'replaced': another file is there now (a restored
 * backup), the one the next start would open.
 */
export function fileState(file: string, opened: FileIdentity): 'ours' | 'missing' | 'replaced' {
  try {
    const now = identityOf(file);
    return now.dev === opened.dev && now.ino === opened.ino ? 'ours' : 'replaced';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}

/**
 * Writes what the open connection holds (the database file deleted under it) back to `file`, so that reopening, or
 * the next start, finds all of it. The WAL is first emptied into the open file: the WAL at `file`'s name belongs to
 * the deleted database and must not be replayed onto the copy. The copy is written beside `file` and linked into
 * place, so `file` is either absent or whole, and a file someone put there meanwhile is kept (EEXIST).
 */
export function restoreDeletedFile(db: SqliteDatabase, file: string): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const copy = `${file}.restoring-${process.pid}`;
  rmSync(copy, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(copy);
    linkSync(copy, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(copy, { force: true });
  }
}
