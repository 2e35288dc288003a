import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type SqliteDatabase = Database.Database;

/** Where the database lives: a file in DATA_DIR, or ':memory:' (tests, and nothing else). */
export type SqliteLocation = { dataDir: string } | ':memory:';

export const DATABASE_FILE = 'plus-relay.sqlite';

/** The file was written by a newer relay: no retry can fix that, so the relay does not start on it. */
export class NewerSchemaError extends Error {
  override name = 'NewerSchemaError';
}

/**
 * The schema, one step per version (PRAGMA user_version counts the steps applied). Steps are only ever
 * appended: a database written by an older relay is brought forward, never rebuilt.
 */
export const MIGRATIONS: readonly string[] = [
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
  // 3: the alias inventory (store/inventory.ts). `touched_at` orders the listing (last message, else
  // creation); `transient` marks an alias that only ever received refused mail (not added, not blocked,
  // nothing forwarded): the only kind that expires or gives way when the table is full. The row count is
  // kept by triggers, so enforcing the cap never counts the table.
  `CREATE TABLE aliases (
     address TEXT PRIMARY KEY,
     first_seen INTEGER,
     last_seen INTEGER,
     added_at INTEGER,
     touched_at INTEGER NOT NULL,
     forwarded INTEGER NOT NULL DEFAULT 0,
     refused INTEGER NOT NULL DEFAULT 0,
     blocked INTEGER NOT NULL DEFAULT 0,
     transient INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX aliases_transient ON aliases (touched_at) WHERE transient = 1;
   CREATE TABLE alias_senders (
     address TEXT NOT NULL REFERENCES aliases (address) ON DELETE CASCADE,
     domain TEXT NOT NULL,
     count INTEGER NOT NULL,
     first_seen INTEGER NOT NULL,
     last_seen INTEGER NOT NULL,
     is_new INTEGER NOT NULL,
     PRIMARY KEY (address, domain)
   ) WITHOUT ROWID;
   CREATE TABLE inventory_size (aliases INTEGER NOT NULL);
   INSERT INTO inventory_size VALUES (0);
   CREATE TRIGGER aliases_counted_in AFTER INSERT ON aliases BEGIN UPDATE inventory_size SET aliases = aliases + 1; END;
   CREATE TRIGGER aliases_counted_out AFTER DELETE ON aliases BEGIN UPDATE inventory_size SET aliases = aliases - 1; END;`,
  // 4: operator entries apart from learned ones. `operator` marks an alias added or blocked:
  // counted against its own cap, never expired, never given way; every other alias is learned, and the
  // least recently mailed one gives way when full (index aliases_learned). aliases_operator lets the size
  // count added and blocked entries without reading the learned ones. `description` is the operator's
  // note from `add`. The operator count is kept by triggers, like the total.
  `ALTER TABLE aliases ADD COLUMN operator INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE aliases ADD COLUMN description TEXT;
   UPDATE aliases SET operator = 1, transient = 0 WHERE added_at IS NOT NULL OR blocked = 1;
   CREATE INDEX aliases_learned ON aliases (touched_at) WHERE operator = 0;
   CREATE INDEX aliases_operator ON aliases (blocked, added_at) WHERE operator = 1;
   ALTER TABLE inventory_size ADD COLUMN operator INTEGER NOT NULL DEFAULT 0;
   UPDATE inventory_size SET operator = (SELECT COUNT(*) FROM aliases WHERE operator = 1);
   CREATE TRIGGER aliases_operator_in AFTER INSERT ON aliases WHEN NEW.operator = 1 BEGIN UPDATE inventory_size SET operator = operator + 1; END;
   CREATE TRIGGER aliases_operator_out AFTER DELETE ON aliases WHEN OLD.operator = 1 BEGIN UPDATE inventory_size SET operator = operator - 1; END;
   CREATE TRIGGER aliases_operator_moved AFTER UPDATE OF operator ON aliases WHEN OLD.operator <> NEW.operator
     BEGIN UPDATE inventory_size SET operator = operator + NEW.operator - OLD.operator; END;`,
  // 5: targets whose bounce was removed, for a day after the latest removal (store/bounce-watch.ts).
  `CREATE TABLE bounce_watch (
     target TEXT PRIMARY KEY,
     alias TEXT NOT NULL,
     error TEXT NOT NULL,
     at INTEGER NOT NULL,
     removals INTEGER NOT NULL,
     since INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX bounce_watch_at ON bounce_watch (at);`,
  // 6: resend. `storage_url`: where Mailgun keeps the failed message (the event's storage.url);
  // `resent_at`: when that message was sent again, cleared when the pair fails anew.
  `ALTER TABLE failures ADD COLUMN storage_url TEXT;
   ALTER TABLE failures ADD COLUMN resent_at INTEGER;`,
  // 7: imported aliases and kept ones (store/inventory.ts). `imported` marks an operator entry that came in a batch
  // (counted against its own cap, not the operator's). `authenticated` counts forwards from an authenticated sender:
  // a learned alias with KEPT_AFTER of them never gives way. The two partial indexes are the eviction's order after
  // the refused-only aliases: single-message ones, then any not kept.
  `ALTER TABLE aliases ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE aliases ADD COLUMN authenticated INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX aliases_imported ON aliases (imported) WHERE imported = 1;
   CREATE INDEX aliases_single ON aliases (touched_at) WHERE operator = 0 AND forwarded + refused <= 1;
   CREATE INDEX aliases_unkept ON aliases (touched_at) WHERE operator = 0 AND authenticated < 2;`,
  // 8: aliases made through the alias API, a third part of the inventory: `operator` = 2 (neither learned, so never
  // expired nor given way, nor the operator's, so never counted against their cap), `api_user` the token's user
  // (aliases_api: one user's aliases, newest first, without reading anyone else's), `api_id` the id the API gave out
  // (a DELETE finds its one row). Their count is kept by triggers beside the others.
  `ALTER TABLE aliases ADD COLUMN api_user TEXT;
   ALTER TABLE aliases ADD COLUMN api_id TEXT;
   CREATE INDEX aliases_api ON aliases (api_user, added_at, address) WHERE api_user IS NOT NULL;
   CREATE UNIQUE INDEX aliases_api_id ON aliases (api_id) WHERE api_id IS NOT NULL;
   ALTER TABLE inventory_size ADD COLUMN api INTEGER NOT NULL DEFAULT 0;
   CREATE TRIGGER aliases_api_in AFTER INSERT ON aliases WHEN NEW.operator = 2 BEGIN UPDATE inventory_size SET api = api + 1; END;
   CREATE TRIGGER aliases_api_out AFTER DELETE ON aliases WHEN OLD.operator = 2 BEGIN UPDATE inventory_size SET api = api - 1; END;
   DROP TRIGGER aliases_operator_moved;
   CREATE TRIGGER aliases_operator_moved AFTER UPDATE OF operator ON aliases WHEN OLD.operator <> NEW.operator
     BEGIN UPDATE inventory_size SET operator = operator + (NEW.operator = 1) - (OLD.operator = 1), api = api + (NEW.operator = 2) - (OLD.operator = 2); END;`,
  // 9: reply addresses (store/reply-addresses.ts), one per (alias, contact) pair. `pinned`: the owner replied through
  // it or asked for it, never given way; the others give way by `touched_at` (the last forward that named it).
  `CREATE TABLE reply_addresses (
     token TEXT PRIMARY KEY,
     alias TEXT NOT NULL,
     contact TEXT NOT NULL,
     user TEXT,
     pinned INTEGER NOT NULL,
     touched_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE UNIQUE INDEX reply_pairs ON reply_addresses (alias, contact);
   CREATE INDEX reply_unpinned ON reply_addresses (touched_at) WHERE pinned = 0;`,
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
  // Deleting an alias deletes its sender rows (alias_senders references it).
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > MIGRATIONS.length) {
    throw new NewerSchemaError(`the database was written by a newer plus-relay (schema ${applied}, this one knows ${MIGRATIONS.length})`);
  }
  // Up to date, as at every restart: no write lock to take (an empty IMMEDIATE transaction was 2 ms of each start).
  if (applied === MIGRATIONS.length) return;
  db.transaction(() => {
    MIGRATIONS.slice(applied).forEach((step, i) => {
      db.exec(step);
      db.pragma(`user_version = ${applied + i + 1}`);
    });
  }).immediate();
}
