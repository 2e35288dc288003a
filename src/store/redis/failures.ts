import type { Clock } from '../../clock.js';
import { byAlias, type FailureLogLimits } from '../failures.js';
import type { Failure, FailureEntry, FailureLog } from '../types.js';
import type { RedisConnection } from './connection.js';

// One script, so the count, the last failure and the recency index never disagree, and the pruning runs with
// the write: what is past retention goes first (a pair that fails again after it was forgotten counts from
// one), then the oldest pairs beyond the cap. Every key expires with the newest entry's retention, so an idle
// relay's log disappears on its own.
const RECORD = `
local function forget(fields)
  for _, f in ipairs(fields) do
    redis.call('HDEL', KEYS[1], f)
    redis.call('HDEL', KEYS[2], f)
    redis.call('ZREM', KEYS[3], f)
    redis.call('HDEL', KEYS[4], f)
  end
end
forget(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[4]))
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[5])
if excess > 0 then forget(redis.call('ZRANGE', KEYS[3], 0, excess - 1)) end
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
return 1`;

// A resend is noted only while the failure it resent is still the pair's last (its time is the pair's score).
const RESENT = `
if redis.call('ZSCORE', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
local ttl = redis.call('PTTL', KEYS[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[4], ttl) end
return 1`;

/** The field of one pair; an address cannot contain a newline, so the split is unambiguous. */
const fieldOf = (alias: string, target: string): string => `${alias}\n${target}`;

/** A failure as stored: recorded before the relay kept storage URLs, it has none. */
const readFailure = (json: string): Failure => ({ storageUrl: null, ...(JSON.parse(json) as Omit<Failure, 'storageUrl'>) });

/**
 * The failure log on Redis, under `<namespace>:failures:`: a hash of counts and a hash of last failures
 * (JSON) keyed by pair, a sorted set of pairs by the time of their last failure, and a hash of when a pair's
 * last failure was resent (cleared when it fails anew). The addresses are kept
 * in the clear, unlike the ledger's keys: listing them is the point.
 */
export function redisFailures(redis: RedisConnection, namespace: string, clock: Clock, limits: FailureLogLimits): FailureLog {
  const { client, call } = redis;
  const keys = [`${namespace}:failures:count`, `${namespace}:failures:last`, `${namespace}:failures:recent`, `${namespace}:failures:resent`];
  const [counts = '', lasts = '', recent = '', resent = ''] = keys;
  const cutoff = () => clock.now() - limits.retentionMs;

  async function entries(fields: string[]): Promise<FailureEntry[]> {
    if (fields.length === 0) return [];
    const [c, l, r] = await call('read failures', () => Promise.all([client.hmGet(counts, fields), client.hmGet(lasts, fields), client.hmGet(resent, fields)]));
    return fields.flatMap((_, i) => {
      const count = Number(c[i]);
      const json = l[i];
      const resentAt = r[i] ? Number(r[i]) : null;
      return json && count > 0 ? [{ count, last: readFailure(json), resentAt }] : [];
    });
  }
  // Newest first; `limit` 0 means all of them (at most maxPairs).
  const fieldsSince = (limit: number) =>
    call('read failures', () => client.zRange(recent, '+inf', `(${cutoff()}`, { BY: 'SCORE', REV: true, ...(limit > 0 ? { LIMIT: { offset: 0, count: limit } } : {}) }));

  return {
    async record(failure) {
      const args = [fieldOf(failure.alias, failure.target), JSON.stringify(failure), String(failure.at), String(cutoff()), String(limits.maxPairs), String(limits.retentionMs)];
      await call('record failure', () => client.eval(RECORD, { keys, arguments: args }));
    },
    async summary(aliases) {
      const wanted = new Set(aliases);
      const fields = (await fieldsSince(0)).filter((f) => wanted.has(f.slice(0, f.indexOf('\n'))));
      return byAlias(await entries(fields));
    },
    async recent(limit) {
      return entries(await fieldsSince(limit));
    },
    async markResent({ alias, target, at }, resentAt) {
      await call('mark failure resent', () => client.eval(RESENT, { keys, arguments: [fieldOf(alias, target), String(at), String(resentAt)] }));
    },
  };
}
