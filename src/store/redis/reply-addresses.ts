import { newReplyToken, type ReplyAddresses, type ReplyEntry, type ReplyLimits } from '../reply-addresses.js';
import type { Clock } from '../../clock.js';
import type { RedisConnection } from './connection.js';

// KEYS: entries (token → JSON), pairs (alias "\n" contact → token), unpinned (sorted by last use). ARGV: the pair's
// field, a fresh token, its entry, pin (1/0), now, the cap. One script, so two instances issuing for one pair at once
// agree on one token, and the cap holds whoever writes.
const ISSUE = `
local token = redis.call('HGET', KEYS[2], ARGV[1])
if token then
  if ARGV[4] == '1' then
    local e = cjson.decode(redis.call('HGET', KEYS[1], token))
    e.pinned = true
    redis.call('HSET', KEYS[1], token, cjson.encode(e))
    redis.call('ZREM', KEYS[3], token)
  elseif redis.call('ZSCORE', KEYS[3], token) then
    redis.call('ZADD', KEYS[3], ARGV[5], token)
  end
  return token
end
token = ARGV[2]
redis.call('HSET', KEYS[2], ARGV[1], token)
redis.call('HSET', KEYS[1], token, ARGV[3])
if ARGV[4] ~= '1' then
  redis.call('ZADD', KEYS[3], ARGV[5], token)
  local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[6])
  if over > 0 then
    for _, old in ipairs(redis.call('ZRANGE', KEYS[3], 0, over - 1)) do
      local e = redis.call('HGET', KEYS[1], old)
      if e then
        local d = cjson.decode(e)
        redis.call('HDEL', KEYS[2], d.alias .. '\\n' .. d.contact)
      end
      redis.call('HDEL', KEYS[1], old)
    end
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, over - 1)
  end
end
return token`;

// KEYS: entries, unpinned. ARGV: the token.
const PIN = `
local e = redis.call('HGET', KEYS[1], ARGV[1])
if not e then return 0 end
local d = cjson.decode(e)
d.pinned = true
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(d))
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

interface Stored {
  alias: string;
  contact: string;
  user: string | null;
  pinned: boolean;
}

/** Reply addresses on Redis, under `<namespace>:reply:`, shared by every instance; they never expire. */
export function redisReplyAddresses(redis: RedisConnection, namespace: string, clock: Clock, limits: ReplyLimits): ReplyAddresses {
  const { client, call } = redis;
  const keys = [`${namespace}:reply:entries`, `${namespace}:reply:pairs`, `${namespace}:reply:unpinned`];
  const [entries = '', , unpinned = ''] = keys;
  return {
    async issue(pair, pinned) {
      const stored: Stored = { alias: pair.alias, contact: pair.contact, user: pair.user, pinned };
      const args = [`${pair.alias}\n${pair.contact}`, newReplyToken(), JSON.stringify(stored), pinned ? '1' : '0', String(clock.now()), String(limits.maxUnpinned)];
      return String(await call('issue reply address', () => client.eval(ISSUE, { keys, arguments: args })));
    },
    async find(token): Promise<ReplyEntry | null> {
      const json = await call('find reply address', () => client.hGet(entries, token));
      if (!json) return null;
      const stored = JSON.parse(json) as Stored;
      // cjson writes a JSON null back as null; an absent user reads as none.
      return { token, alias: stored.alias, contact: stored.contact, user: stored.user ?? null, pinned: stored.pinned === true };
    },
    async pin(token) {
      await call('pin reply address', () => client.eval(PIN, { keys: [entries, unpinned], arguments: [token] }));
    },
  };
}
