import { byLatest, FLOOD_EVENT_LIMITS, windowOf, type FloodCounters, type FloodEvent, type Unit } from '../flood.js';
import type { RedisConnection } from './connection.js';

// KEYS: the windows. ARGV: their limits, then their lifetimes (ms), then their members ('' for a plain counter).
// Returns 0 when one unit of each was taken, else the 1-based index of the first full one (and takes nothing). A
// plain window is a counter; a window of members is a hash of member → takes, whose size is its count, so a member
// it holds is taken again at no cost. One script: no instance can read a count between another's read and
// increment. A window lives a little past its end (it is never read again after it), by Redis's own clock, so the
// relay's clock can move without keys expiring early.
const TAKE = `
local n = #KEYS
for i = 1, n do
  local m = ARGV[2 * n + i]
  local limit = tonumber(ARGV[i])
  if m == '' then
    if tonumber(redis.call('GET', KEYS[i]) or '0') >= limit then return i end
  elseif redis.call('HEXISTS', KEYS[i], m) == 0 and redis.call('HLEN', KEYS[i]) >= limit then
    return i
  end
end
for i = 1, n do
  local m = ARGV[2 * n + i]
  if m == '' then redis.call('INCR', KEYS[i]) else redis.call('HINCRBY', KEYS[i], m, 1) end
  redis.call('PEXPIRE', KEYS[i], ARGV[n + i])
end
return 0`;

// ARGV: the members ('' for a plain counter). Decrements only what still exists: a counter that expired must not
// come back as -1, and a member leaves its window (freeing its unit) with its last take.
const GIVE_BACK = `
for i, k in ipairs(KEYS) do
  local m = ARGV[i]
  if m == '' then
    if tonumber(redis.call('GET', k) or '0') > 0 then redis.call('DECR', k) end
  else
    local refs = tonumber(redis.call('HGET', k, m) or '0')
    if refs > 1 then redis.call('HINCRBY', k, m, -1) elseif refs == 1 then redis.call('HDEL', k, m) end
  end
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
      const units = windows.map(({ key, member }): Unit => (member === undefined ? { key: `${namespace}:${key}` } : { key: `${namespace}:${key}`, member }));
      const args = [...windows.map((w) => String(w.budget.limit)), ...windows.map((w) => String(w.endsAt - now + 60_000)), ...units.map((u) => u.member ?? '')];
      const full = Number(await call('flood take', () => client.eval(TAKE, { keys: units.map((u) => u.key), arguments: args })));
      const budget = full > 0 ? budgets[full - 1] : undefined;
      return budget ? { full: budget } : { taken: { units } };
    },
    async giveBack(taken) {
      const { units } = taken;
      if (units.length > 0) await call('flood give back', () => client.eval(GIVE_BACK, { keys: units.map((u) => u.key), arguments: units.map((u) => u.member ?? '') }));
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
