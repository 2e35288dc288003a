import type { Clock } from '../clock.js';
import type { Env } from '../config.js';
import { createRedisStore, type StoreLogger } from './redis/index.js';
import { createSqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

export type { Store, StoreLogger };
export { StoreUnavailableError } from './types.js';

/**
 * REDIS_URL set → Redis, shared by every instance; unset → SQLite in DATA_DIR, for one instance. The
 * Redis store connects in the background: the relay starts while Redis is down and answers 503 until
 * it is back, rather than crash-looping beside it.
 */
export function createStore(env: Pick<Env, 'REDIS_URL' | 'DATA_DIR'>, clock: Clock, logger?: StoreLogger): Store {
  if (env.REDIS_URL) return createRedisStore({ url: env.REDIS_URL, clock, ...(logger ? { logger } : {}) });
  return createSqliteStore({ location: { dataDir: env.DATA_DIR }, clock });
}
