import type { Store } from '../types.js';
import { connectRedis, type StoreLogger } from './connection.js';
import { redisLedger } from './ledger.js';
import { redisInventory } from './inventory.js';
import type { InventoryLimits } from '../inventory.js';

export type { StoreLogger };

export interface RedisStoreOptions {
  url: string;
  /** Key namespace; several relays (or test runs) can share one Redis under different ones. */
  namespace?: string;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  logger?: StoreLogger;
  /** Smaller caps for tests; production uses INVENTORY_LIMITS. */
  inventoryLimits?: InventoryLimits;
}

/** The Store on Redis, so several relay instances behave as one. */
export function createRedisStore(options: RedisStoreOptions): Store {
  const namespace = options.namespace ?? 'plus-relay';
  let ledger: ReturnType<typeof redisLedger> | undefined;
  const redis = connectRedis({ ...options, onReady: () => void ledger?.flushPending() });
  ledger = redisLedger(redis, namespace);
  const inventory = redisInventory(redis, namespace, options.inventoryLimits);
  return { kind: 'redis', ledger, inventory, health: redis.health, close: redis.close };
}
