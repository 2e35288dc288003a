import type { Clock } from '../clock.js';
import type { Env } from '../config.js';
import type { StoreLogger } from './redis/index.js';
import type { Store } from './types.js';

export type { Store, StoreLogger };
export { StoreUnavailableError } from './types.js';

/**
 * REDIS_URL set → Redis, shared by every instance; unset → SQLite in DATA_DIR, for one instance. The
 * Redis store connects in the background, and the SQLite one opens its file as soon as DATA_DIR allows: the
 * relay starts while Redis is down or the volume read-only and answers 503 until the store is back, rather
 * than crash-looping beside it.
 *
 * Only the backend in use is loaded: the Redis client alone costs a single-instance relay about 300 ms of
 * start-up and 15 MB of memory it would never use.
 */
export async function createStore(env: Pick<Env, 'REDIS_URL' | 'DATA_DIR'>, clock: Clock, logger?: StoreLogger): Promise<Store> {
  if (env.REDIS_URL) {
    const { createRedisStore } = await import('./redis/index.js');
    return createRedisStore({ url: env.REDIS_URL, clock, ...(logger ? { logger } : {}) });
  }
  const { createSqliteStore } = await import('./sqlite/index.js');
  return createSqliteStore({ location: { dataDir: env.DATA_DIR }, clock, ...(logger ? { logger } : {}) });
}
