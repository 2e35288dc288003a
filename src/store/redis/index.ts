import { systemClock, type Clock } from '../../clock.js';
import { FAILURE_LOG_LIMITS, type FailureLogLimits } from '../failures.js';
import type { Store } from '../types.js';
import { connectRedis, type StoreLogger } from './connection.js';
import { redisFailures } from './failures.js';
import { redisLedger } from './ledger.js';
import { redisInventory } from './inventory.js';
import { redisBounceWatch } from './bounce-watch.js';
import { BOUNCE_WATCH_LIMITS } from '../bounce-watch.js';
import { redisFlood } from './flood.js';
import type { InventoryLimits } from '../inventory.js';
import { redisReplyAddresses } from './reply-addresses.js';
import { REPLY_LIMITS, type ReplyLimits } from '../reply-addresses.js';

export type { StoreLogger };

export interface RedisStoreOptions {
  url: string;
  /** Key namespace; several relays (or test runs) can share one Redis under different ones. */
  namespace?: string;
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  logger?: StoreLogger;
  /** Dates failures and ages them out (Redis keeps time for the ledger itself). */
  clock?: Clock;
  failureLimits?: FailureLogLimits;
  /** Smaller caps for tests; production uses INVENTORY_LIMITS. */
  inventoryLimits?: InventoryLimits;
  /** Smaller caps for tests; production uses REPLY_LIMITS. */
  replyLimits?: ReplyLimits;
}

/** The Store on Redis, so several relay instances behave as one. */
export function createRedisStore(options: RedisStoreOptions): Store {
  const namespace = options.namespace ?? 'plus-relay';
  let ledger: ReturnType<typeof redisLedger> | undefined;
  const redis = connectRedis({ ...options, onReady: () => void ledger?.flushPending() });
  ledger = redisLedger(redis, namespace);
  const failures = redisFailures(redis, namespace, options.clock ?? systemClock, options.failureLimits ?? FAILURE_LOG_LIMITS);
  const inventory = redisInventory(redis, namespace, options.inventoryLimits);
  const bounces = redisBounceWatch(redis, namespace, options.clock ?? systemClock, BOUNCE_WATCH_LIMITS);
  const flood = redisFlood(redis, namespace);
  const replies = redisReplyAddresses(redis, namespace, options.clock ?? systemClock, options.replyLimits ?? REPLY_LIMITS);
  return { kind: 'redis', ledger, failures, inventory, bounces, flood, replies, health: redis.health, close: redis.close };
}
