import type { Clock } from '../../clock.js';
import type { FailureLogLimits } from '../failures.js';
import type { InventoryLimits } from '../inventory.js';
import type { ReplyLimits } from '../reply-addresses.js';
import type { StoreLogger } from '../redis/connection.js';
import type { SqliteLocation } from './database.js';

/** What createSqliteStore (index.ts) is given; each session it opens (session.ts) reads it too. */
export interface SqliteStoreOptions {
  location: SqliteLocation;
  clock: Clock;
  /** How often expired rows are deleted. */
  pruneEveryMs?: number;
  failureLimits?: FailureLogLimits;
  /** Smaller caps for tests; production uses INVENTORY_LIMITS. */
  inventoryLimits?: InventoryLimits;
  /** Smaller caps for tests; production uses REPLY_LIMITS. */
  replyLimits?: ReplyLimits;
  /**
   * How long the inventory's per-message counts wait in memory before they are written (COUNTS_FLUSH_MS); 0 writes
   * each message's counts with its own commit.
   */
  countsFlushMs?: number;
  /**
   * How often the store checks that its file is still in DATA_DIR and writes the completions the disk refused
   * (both also happen on every health check; kept completions also go with every ledger write).
   */
  checkEveryMs?: number;
  /** Less free space than this in DATA_DIR and the health check fails (MIN_FREE_BYTES). */
  minFreeBytes?: number;
  /** Told when the file is reopened or the store has no usable file; the process log in production. */
  logger?: StoreLogger;
}
