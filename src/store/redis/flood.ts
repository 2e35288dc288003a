import { byLatest, FLOOD_EVENT_LIMITS, windowOf, type FloodCounters, type FloodEvent } from '../flood.js';
import type { RedisConnection } from './connection.js';

// KEYS: the windows' counters. ARGV: their limits, then their lifetimes (ms). Returns 0 when one unit of each was
// taken, else the 1-based index of the first full one (and takes nothing). One script: no instance can read a
// count between another's read and increment. A counter lives a little past its window (it is never read again
// after it), by Redis's own clock, so the relay's clock can move without keys expiring early.
const TAKE = `
local n = #KEYS
for i = 1, n do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then return i end
end
for i = 1, n do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[n + i])
end
return 0`;

// Decrements only counters that still exist: one that expired must not come back as -1.
const GIVE_BACK = `
for _, k in ipairs(KEYS) do
  if tonumber(redis.call('GET', k) or '0') > 0 then redis.call('DECR', k) end
end
return 0`;

// KEYS[1]: the events hash. ARGV: field, limit, mailbox, max, now, cutoff, maxEvents, retentionMs. Forgets what is
// past retention, then counts the hold into its entry, or adds one while there is room.
const NOTE = `
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).last <= tonumber(ARGV[6]) then redis.call('HDEL', KEYS[1], all[i]) end
end
local now = tonumber(ARGV[5])
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local e
if cur then
  e = cjson.decode(cur)
  e.count = e.count + 1
  e.last = now
  e.max = tonumber(ARGV[4])
elseif redis.call('HLEN', KEYS[1]) < tonumber(ARGV[7]) then
  e = { limit = ARGV[2], mailbox = ARGV[3], max = tonumber(ARGV[4]), count = 1, first = now, last = now }
else
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(e))
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return 1`;

/** The counters on Redis, under `<namespace>:flood:`; the holds in one hash, `<namespace>:flood-events`. */
export function redisFlood(redis: RedisConnection, namespace: string): FloodCounters {
  const { client, call } = redis;
  const events = `${namespace}:flood-events`;
  return {
    async take(budgets, now) {
      const windows = budgets.map((budget) => ({ budget, ...windowOf(budget, now) }));
      const keys = windows.map((w) => `${namespace}:${w.key}`);
      const args = [...windows.map((w) => String(w.budget.limit)), ...windows.map((w) => String(w.endsAt - now + 60_000))];
      const full = Number(await call('flood take', () => client.eval(TAKE, { keys, arguments: args })));
      const budget = full > 0 ? budgets[full - 1] : undefined;
      return budget ? { full: budget } : { taken: { keys } };
    },
    async giveBack(taken) {
      if (taken.keys.length > 0) await call('flood give back', () => client.eval(GIVE_BACK, { keys: [...taken.keys] }));
    },
    async note(hold, now) {
      const args = [`${hold.limit}\n${hold.mailbox}`, hold.limit, hold.mailbox, String(hold.max), String(now), String(now - FLOOD_EVENT_LIMITS.retentionMs), String(FLOOD_EVENT_LIMITS.maxEvents), String(FLOOD_EVENT_LIMITS.retentionMs)];
      await call('flood note', () => client.eval(NOTE, { keys: [events], arguments: args }));
    },
    async recent(now) {
      const all = await call('flood events', () => client.hVals(events));
      const cutoff = now - FLOOD_EVENT_LIMITS.retentionMs;
      return all.map((json) => JSON.parse(json) as FloodEvent).filter((e) => e.last > cutoff).sort(byLatest);
    },
  };
}
