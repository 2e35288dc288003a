import type { Clock } from '../../clock.js';
import type { Store } from '../types.js';
import { openDatabase, type SqliteLocation } from './database.js';
import { sqliteLedger } from './ledger.js';
import { sqliteFailures } from './failures.js';
import { FAILURE_LOG_LIMITS, type FailureLogLimits } from '../failures.js';
import { sqliteInventory } from './inventory.js';
import { groupCommit, unavailable } from './group-commit.js';
import type { InventoryLimits } from '../inventory.js';
import { unwrittenCompletions } from '../unwritten-completions.js';
import { MIN_FREE_BYTES, sqliteHealth } from './health.js';

export interface SqliteStoreOptions {
  location: SqliteLocation;
  clock: Clock;
  /** How often expired rows are deleted. */
  pruneEveryMs?: number;
  failureLimits?: FailureLogLimits;
  /** Smaller caps for tests; production uses INVENTORY_LIMITS. */
  inventoryLimits?: InventoryLimits;
  /** How often completions the disk refused are tried again (also with every ledger write and health check). */
  retryUnwrittenEveryMs?: number;
  /** Less free space than this in DATA_DIR and the health check fails (MIN_FREE_BYTES). */
  minFreeBytes?: number;
}

/**
 * The default store: one SQLite file in DATA_DIR, so used tokens, forwarded (message, target) pairs and
 * the alias inventory (blocks included) survive a restart and a deploy. For one instance; several
 * instances share Redis instead.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const db = openDatabase(options.location);
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
  const unwritten = unwrittenCompletions(() => options.clock.now());
  const ledger = sqliteLedger(db, options.clock, write, unwritten);
  const failures = sqliteFailures(db, options.clock, options.failureLimits ?? FAILURE_LOG_LIMITS, guard, write);
  const inventory = sqliteInventory(db, options.clock, guard, write, options.inventoryLimits);
  const prune = (): void => {
    try {
      ledger.prune();
      failures.prune();
      inventory.prune();
    } catch {
      // Pruning is housekeeping: the next round tries again, and deliveries report real failures.
    }
  };
  prune();
  const timer = setInterval(prune, options.pruneEveryMs ?? 10 * 60_000);
  timer.unref();
  // A completion the disk refused reaches it soon after the disk is back, even with no traffic to carry it: a
  // restart forgets what was only kept in memory.
  const retry = setInterval(() => {
    if (unwritten.size > 0) ledger.writeUnwritten().catch(() => undefined);
  }, options.retryUnwrittenEveryMs ?? 5_000);
  retry.unref();
  const health = sqliteHealth({ db, file: db.memory ? null : db.name, write, ledger, minFreeBytes: options.minFreeBytes ?? MIN_FREE_BYTES });
  return {
    kind: 'sqlite',
    ledger,
    failures,
    inventory,
    health,
    async close() {
      clearInterval(timer);
      clearInterval(retry);
      if (!db.open) return;
      // A last chance for kept completions; still refused, they are lost as on a crash (at-least-once).
      const last = ledger.writeUnwritten().catch(() => undefined);
      flush();
      await last;
      db.close();
    },
  };
}
