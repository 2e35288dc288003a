import { openDatabase } from './database.js';
import { sqliteLedger } from './ledger.js';
import { sqliteFailures } from './failures.js';
import { FAILURE_LOG_LIMITS } from '../failures.js';
import { sqliteInventory } from './inventory.js';
import { sqliteBounceWatch } from './bounce-watch.js';
import { sqliteFlood } from './flood.js';
import { BOUNCE_WATCH_LIMITS } from '../bounce-watch.js';
import { sqliteReplyAddresses } from './reply-addresses.js';
import { REPLY_LIMITS } from '../reply-addresses.js';
import { groupCommit, unavailable } from './group-commit.js';
import type { UnwrittenCompletions } from '../unwritten-completions.js';
import { MIN_FREE_BYTES, sqliteHealth } from './health.js';
import { identityOf, type FileIdentity } from './file-identity.js';
import type { SqliteStoreOptions } from './options.js';

/** One open database and the parts built on it; replaced as a whole when the file is reopened. */
export function openSession(options: SqliteStoreOptions, unwritten: UnwrittenCompletions) {
  const db = openDatabase(options.location);
  const file = db.memory ? null : db.name;
  const identity: FileIdentity | null = file ? identityOf(file) : null;
  // Reads run at once, and fail as writes do.
  const guard = <T>(what: string, run: () => T): T => {
    try {
      return run();
    } catch (err) {
      throw unavailable(what, err);
    }
  };
  // Writes go through the group commit.
  const { write, flush } = groupCommit(db);
  const ledger = sqliteLedger(db, options.clock, write, unwritten);
  const failures = sqliteFailures(db, options.clock, options.failureLimits ?? FAILURE_LOG_LIMITS, guard, write);
  const inventory = sqliteInventory(db, options.clock, guard, write, options.inventoryLimits, options.countsFlushMs);
  const bounces = sqliteBounceWatch(db, options.clock, BOUNCE_WATCH_LIMITS, guard, write);
  const flood = sqliteFlood(db, guard, write);
  const replies = sqliteReplyAddresses(db, options.clock, options.replyLimits ?? REPLY_LIMITS, guard, write);
  const prune = (): void => {
    try {
      ledger.prune();
      failures.prune();
      inventory.prune();
      bounces.prune();
      flood.prune(options.clock.now());
    } catch {
      // Pruning is housekeeping: the next round tries again, and deliveries report real failures.
    }
  };
  const commitQueued = (): void => {
    if (!db.open) return;
    ledger.writeUnwritten().catch(() => undefined);
    inventory.flushCounts().catch(() => undefined);
    flush();
  };
  const health = sqliteHealth({ db, file, write, ledger, minFreeBytes: options.minFreeBytes ?? MIN_FREE_BYTES });
  return {
    db,
    file,
    identity,
    ledger,
    failures,
    inventory,
    bounces,
    flood,
    replies,
    prune,
    health,
    /** Commits what is queued now, with a last try of the kept completions, instead of in the next turn. */
    commitQueued,
    /**
     * Commits what is queued and closes, before anything else can run: closing deletes the WAL at the file's
     * name, which a connection opened after it would be using.
     */
    close(): void {
      if (!db.open) return;
      commitQueued();
      db.close();
    },
  };
}

export type Session = ReturnType<typeof openSession>;
