import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type SqliteDatabase = Database.Database;

/** Where the database lives: a file in DATA_DIR, or ':memory:' (tests, and nothing else). */
export type SqliteLocation = { dataDir: string } | ':memory:';

export const DATABASE_FILE = 'plus-relay.sqlite';

/**
 * The schema, one step per version (PRAGMA user_version counts the steps applied). Steps are only ever
 * appended: a database written by an older relay is brought forward, never rebuilt.
 */
const MIGRATIONS: readonly string[] = [
  // 1: the ledger. `owner` is the request holding a claim, NULL once the key is done. WITHOUT ROWID: the
  // key is the row, and lookups are by key only.
  `CREATE TABLE ledger (
     key TEXT PRIMARY KEY,
     owner TEXT,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX ledger_expiry ON ledger (expires_at);`,
  // 2: failed forwards Mailgun reported (event webhooks), one row per (alias, target) with the last failure.
  `CREATE TABLE failures (
     alias TEXT NOT NULL,
     target TEXT NOT NULL,
     count INTEGER NOT NULL,
     severity TEXT NOT NULL,
     reason TEXT NOT NULL,
     code INTEGER,
     message TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (alias, target)
   );
   CREATE INDEX failures_at ON failures (at);`,
];

/**
 * Opens (creating if needed) the relay's database. WAL lets readers run beside the writer and makes a
 * commit one append; synchronous=NORMAL keeps every commit across a crash or a deploy of the process
 * (the OS has the WAL), and may lose the last commits only to a power loss of the machine, which for
 * this ledger costs at most one duplicate forward, never a lost message.
 */
export function openDatabase(location: SqliteLocation): SqliteDatabase {
  let file = ':memory:';
  if (location !== ':memory:') {
    mkdirSync(resolve(location.dataDir), { recursive: true });
    file = join(resolve(location.dataDir), DATABASE_FILE);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Another process on the same file (a CLI, an overlapping deploy) waits briefly rather than failing.
  db.pragma('busy_timeout = 2000');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > MIGRATIONS.length) {
    throw new Error(`the database was written by a newer plus-relay (schema ${applied}, this one knows ${MIGRATIONS.length})`);
  }
  db.transaction(() => {
    MIGRATIONS.slice(applied).forEach((step, i) => {
      db.exec(step);
      db.pragma(`user_version = ${applied + i + 1}`);
    });
  }).immediate();
}
