// Both store backends for contract tests: the same suite runs against real SQLite and real Redis.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Clock } from '../../src/clock.js';
import type { FailureLogLimits } from '../../src/store/failures.js';
import type { ReplyLimits } from '../../src/store/reply-addresses.js';
import { createRedisStore } from '../../src/store/redis/index.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { testClock } from './build.js';
import { sharedRedis, untilHealthy } from './redis.js';

export interface StoreOptions {
  clock?: Clock;
  failureLimits?: FailureLogLimits;
  replyLimits?: ReplyLimits;
}

export interface Backend {
  /** Two handles on the same state (two instances, or two processes on one file), or null to skip. */
  open(t: TestContext, options?: StoreOptions): Promise<[Store, Store] | null>;
}

export const backends: Record<'sqlite' | 'redis', Backend> = {
  sqlite: {
    async open(t, options = {}) {
      const dataDir = await mkdtemp(join(tmpdir(), 'plus-relay-store-'));
      const open = () => createSqliteStore({ location: { dataDir }, clock: options.clock ?? testClock(), ...(options.failureLimits ? { failureLimits: options.failureLimits } : {}), ...(options.replyLimits ? { replyLimits: options.replyLimits } : {}) });
      const [a, b] = [open(), open()];
      t.after(async () => {
        await a.close();
        await b.close();
        await rm(dataDir, { recursive: true, force: true });
      });
      return [a, b];
    },
  },
  redis: {
    async open(t, options = {}) {
      const url = await sharedRedis(t);
      if (!url) return null;
      const namespace = `plus-relay-test-${Date.now()}-${Math.random()}`;
      const open = () => createRedisStore({ url, namespace, ...options });
      const [a, b] = [open(), open()];
      t.after(async () => {
        await a.close();
        await b.close();
      });
      await untilHealthy(a);
      await untilHealthy(b);
      return [a, b];
    },
  },
};
