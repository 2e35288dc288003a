import { StoreUnavailableError, type Store } from '../types.js';
import { NewerSchemaError } from './database.js';
import { unavailable } from './group-commit.js';
import { unwrittenCompletions } from '../unwritten-completions.js';
import { delegate } from '../delegate.js';
import { fileState, restoreDeletedFile } from './file-identity.js';
import { openSession, type Session } from './session.js';
import type { SqliteStoreOptions } from './options.js';

export type { SqliteStoreOptions };

/**
 * The default store: one SQLite file in DATA_DIR, so used tokens, forwarded (message, target) pairs and
 * the alias inventory (blocks included) survive a restart and a deploy. For one instance; several
 * instances share Redis instead.
 *
 * A DATA_DIR the file cannot be opened in (a read-only or full volume) does not stop the relay: like a Redis that
 * is down, the store answers every operation 503 (Mailgun retries) and /healthz 503, and opens the file as soon
 * as it can. A file written by a newer relay does stop it: no retry fixes that.
 *
 * The file deleted under the running relay (an operator's `rm`, a cleanup script) is written back from the open
 * connection and reopened, so nothing is kept only in an unlinked file that the next start would not see; another
 * file put in its place is reopened, as the next start would. If that fails, the store refuses every operation
 * until a check succeeds.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const where = options.location === ':memory:' ? ':memory:' : options.location.dataDir;
  const log = options.logger;
  // Completions the disk refused outlive a reopen: they belong to the store, not to one connection.
  const unwritten = unwrittenCompletions(() => options.clock.now());
  let session: Session | null = null;
  let lost: StoreUnavailableError | null = null;
  let closed = false;

  const fail = (what: string, err: unknown): void => {
    const first = lost === null;
    lost = unavailable(what, err);
    if (first) log?.warn({ detail: lost.message }, 'sqlite store unavailable: every delivery is answered 503');
  };
  const recovered = (msg: string): void => {
    if (lost) log?.info({ dataDir: where }, msg);
    lost = null;
  };
  const open = (): Session | null => {
    try {
      const opened = openSession(options, unwritten);
      recovered('sqlite store available again');
      return opened;
    } catch (err) {
      if (err instanceof NewerSchemaError) throw err;
      fail(`cannot open the database in ${where}`, err);
      return null;
    }
  };
  const reopenIfMoved = (current: Session): void => {
    const { db, file, identity } = current;
    if (!file || !identity || !db.open) return;
    try {
      const state = fileState(file, identity);
      if (state === 'ours') return recovered('sqlite store available again');
      // The writes still queued for the group commit go to this connection now: once its WAL is emptied below,
      // nothing may be written to it. SQLite does not checkpoint a moved file's WAL on close but leaves it at the
      // file's name, where the connection opened next would replay it onto a different database.
      current.commitQueued();
      if (state === 'missing') restoreDeletedFile(db, file);
      else db.pragma('wal_checkpoint(TRUNCATE)'); // the WAL at that name is ours: empty it before the other file meets it
      session = null; // from here on, whatever happens, the next check opens the file afresh
      db.close(); // not current.close(): that would commit a completion the disk refused again, after the checkpoint
      log?.warn({ file }, state === 'missing' ? 'sqlite: the database file was deleted under the relay: written back, reopening it' : 'sqlite: the database file was replaced: reopening it');
      session = open();
    } catch (err) {
      fail(`${file} was deleted or replaced under the running relay and could not be written back`, err);
    }
  };
  /** Makes the store match its file: opens it if it could not be opened yet, follows it if it moved. */
  const check = (): void => {
    if (closed) return;
    if (session?.db.open) reopenIfMoved(session);
    else {
      try {
        session = open();
      } catch (err) {
        fail(`cannot open the database in ${where}`, err); // a newer schema after a start on an older one
      }
    }
  };
  const current = (): Session => {
    if (lost || !session) throw lost ?? new StoreUnavailableError('sqlite: no database open');
    return session;
  };

  session = open();
  session?.prune();
  const pruning = setInterval(() => session?.prune(), options.pruneEveryMs ?? 10 * 60_000);
  pruning.unref();
  // A completion the disk refused reaches it soon after the disk is back, even with no traffic to carry it: a
  // restart forgets what was only kept in memory. The file check bounds how long writes can go to a deleted file.
  const checking = setInterval(() => {
    check();
    if (!lost && session && unwritten.size > 0) session.ledger.writeUnwritten().catch(() => undefined);
  }, options.checkEveryMs ?? 5_000);
  checking.unref();

  return {
    kind: 'sqlite',
    ledger: delegate(() => current().ledger),
    failures: delegate(() => current().failures),
    inventory: delegate(() => current().inventory),
    bounces: delegate(() => current().bounces),
    flood: delegate(() => current().flood),
    replies: delegate(() => current().replies),
    async health() {
      check();
      if (lost || !session) return { ok: false, detail: lost?.message ?? 'sqlite: no database open' };
      return session.health();
    },
    async close() {
      clearInterval(pruning);
      clearInterval(checking);
      if (closed) return;
      closed = true;
      // A deploy right after the file was deleted must not take the last writes with it.
      if (session) reopenIfMoved(session);
      session?.close();
    },
  };
}
