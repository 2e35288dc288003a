import { nextWatch, type BounceWatch, type BounceWatchLimits, type RepeatedBounce } from '../bounce-watch.js';
import type { Clock } from '../../clock.js';
import type { RedisConnection } from './connection.js';

/**
 * The bounce watch on Redis, under `<namespace>:bounce-watch:`: a hash of entries (JSON) by target and a
 * sorted set of targets by their latest removal, pruned by age and count on every write. Read, then written:
 * the caller holds the target's ledger claim, so no other instance writes the same target in between.
 */
export function redisBounceWatch(redis: RedisConnection, namespace: string, clock: Clock, limits: BounceWatchLimits): BounceWatch {
  const { client, call } = redis;
  const entries = `${namespace}:bounce-watch:entries`;
  const byTime = `${namespace}:bounce-watch:recent`;
  const cutoff = () => clock.now() - limits.windowMs;
  const parse = (json: string | null | undefined): RepeatedBounce | null => (json ? (JSON.parse(json) as RepeatedBounce) : null);

  return {
    async removed(removal) {
      const entry = nextWatch(parse(await call('read bounce watch', () => client.hGet(entries, removal.target))), removal, limits.windowMs);
      await call('record bounce removal', async () => {
        await client.hSet(entries, entry.target, JSON.stringify(entry));
        await client.zAdd(byTime, { score: entry.at, value: entry.target });
        const gone = [
          ...(await client.zRange(byTime, '-inf', String(cutoff()), { BY: 'SCORE' })),
          ...(await client.zRange(byTime, 0, -limits.maxTargets - 1)),
        ];
        if (gone.length > 0) await Promise.all([client.hDel(entries, gone), client.zRem(byTime, gone)]);
        await Promise.all([client.pExpire(entries, limits.windowMs), client.pExpire(byTime, limits.windowMs)]);
      });
      return entry.removals;
    },
    async repeated(limit) {
      const targets = await call('read bounce watch', () => client.zRange(byTime, '+inf', `(${cutoff()}`, { BY: 'SCORE', REV: true }));
      if (targets.length === 0) return [];
      const found = await call('read bounce watch', () => client.hmGet(entries, targets));
      return found.map(parse).filter((e): e is RepeatedBounce => e !== null && e.removals > 1).slice(0, limit);
    },
  };
}
