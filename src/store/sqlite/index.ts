import type { Clock } from '../../clock.js';
import type { Store } from '../types.js';
import { openDatabase, type SqliteLocation } from './database.js';
import { sqliteLedger } from './ledger.js';
import { sqliteFailures } from './failures.js';
import { FAILURE_LOG_LIMITS, type FailureLogLimits } from '../failures.js';
import { sqliteInventory } from './inventory.js';
import { sqliteFlood } from './flood.js';
import { groupCommit, unavailable } from './group-commit.js';
import type { InventoryLimits } from '../inventory.js';

export interface SqliteStoreOptions {
  location: SqliteLocation;
  clock: Clock;
  /** How often expired rows are deleted. */
  pruneEveryMs?: number;
  failureLimits?: FailureLogLimits;
  /** Smaller caps for tests; production uses INVENTORY_LIMITS. */
  inventoryLimits?: InventoryLimits;
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
  const ledger = sqliteLedger(db, options.clock, write);
  const failures = sqliteFailures(db, options.clock, options.failureLimits ?? FAILURE_LOG_LIMITS, guard, write);
  const inventory = sqliteInventory(db, options.clock, guard, write, options.inventoryLimits);
  const flood = sqliteFlood(db, guard, write);
  const prune = (): void => {
    try {
      ledger.prune();
      failures.prune();
      inventory.prune();
      flood.prune(options.clock.now());
    } catch {
      // Pruning is housekeeping: the next round tries again, and deliveries report real failures.
    }
  };
  prune();
  const timer = setInterval(prune, options.pruneEveryMs ?? 10 * 60_000);
  timer.unref();
  return {
    kind: 'sqlite',
    ledger,
    failures,
    inventory,
    flood,
    async health() {
      try {
        db.prepare('SELECT 1').get();
        return { ok: true, detail: `sqlite: ${db.name}` };
      } catch (err) {
        return { ok: false, detail: `sqlite: ${err instanceof Error ? err.message : String(err)}` };
      }
    },
    async close() {
      clearInterval(timer);
      if (!db.open) return;
      flush();
      db.close();
    },
  };
}
