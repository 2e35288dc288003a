import { createHash } from 'node:crypto';
import { INVENTORY_LIMITS, InventoryFull, type AliasEntry, type Inventory, type InventoryLimits, type SenderEntry } from '../inventory.js';
import type { RedisConnection } from './connection.js';

// Keys (all under one hash tag, so every script's keys live in one slot of a cluster):
//   <base>:a:<address>  hash  first, last, added, touched, fwd, ref, blocked, transient
//   <base>:s:<address>  hash  sender domain → "count|firstSeen|lastSeen|new"
//   <base>:index        zset  every alias, scored by its last message (else its creation): the listing
//   <base>:transient    zset  aliases that only ever received refused mail, by last message: what expires
//                             and what gives way when the index is full
//   <base>:blocked      set   blocked aliases, for the gauge
// Each operation is one Lua script: atomic, and one round trip.

const FORGET = `
local function forget(base, x)
  redis.call('DEL', base .. ':a:' .. x, base .. ':s:' .. x)
  redis.call('ZREM', base .. ':index', x)
  redis.call('ZREM', base .. ':transient', x)
end
local function room(base, max, transient)
  if redis.call('ZCARD', base .. ':index') < max then return true end
  if transient then return false end
  local victim = redis.call('ZRANGE', base .. ':transient', 0, 0)[1]
  if not victim then return false end
  forget(base, victim)
  return true
end
local function settle(base, a, s, x)
  redis.call('HSET', a, 'transient', '0')
  redis.call('ZREM', base .. ':transient', x)
  redis.call('PERSIST', a)
  redis.call('PERSIST', s)
end
`;

const FACTS = `
local v = redis.call('HMGET', KEYS[1], 'first', 'added', 'fwd', 'blocked')
local seen = 0
if ARGV[1] ~= '' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then seen = 1 end
return {v[1] or '', v[2] or '', v[3] or '', v[4] or '', seen}
`;

// ARGV: base, address, at, forwarded (1/0), domain ('' for none), new (1/0), maxAliases, maxSenders, ttlMs, expiredBefore
const RECORD = `${FORGET}
local base, x, at, fwd, domain, isNew = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1', ARGV[5], ARGV[6]
local a, s = base .. ':a:' .. x, base .. ':s:' .. x
for _, old in ipairs(redis.call('ZRANGEBYSCORE', base .. ':transient', '-inf', ARGV[10], 'LIMIT', 0, 16)) do forget(base, old) end
if redis.call('EXISTS', a) == 0 then
  if not room(base, tonumber(ARGV[7]), not fwd) then return 0 end
  redis.call('HSET', a, 'first', at, 'transient', fwd and '0' or '1')
end
redis.call('HSETNX', a, 'first', at)
redis.call('HSET', a, 'last', at, 'touched', at)
redis.call('HINCRBY', a, fwd and 'fwd' or 'ref', 1)
redis.call('ZADD', base .. ':index', at, x)
local transient = redis.call('HGET', a, 'transient') == '1'
if fwd and transient then settle(base, a, s, x); transient = false end
if domain ~= '' then
  local cur = redis.call('HGET', s, domain)
  if cur then
    local count, first, _, was = string.match(cur, '^(%d+)|(%d+)|(%d+)|(%d)$')
    redis.call('HSET', s, domain, (tonumber(count) + 1) .. '|' .. first .. '|' .. at .. '|' .. was)
  elseif redis.call('HLEN', s) < tonumber(ARGV[8]) then
    redis.call('HSET', s, domain, '1|' .. at .. '|' .. at .. '|' .. isNew)
  end
end
if transient then
  redis.call('ZADD', base .. ':transient', at, x)
  -- A backstop: the key expires with the alias even if nothing ever prunes it.
  redis.call('PEXPIRE', a, ARGV[9])
  if redis.call('EXISTS', s) == 1 then redis.call('PEXPIRE', s, ARGV[9]) end
end
return 1
`;

// ARGV: base, address, at, mode (add | block | unblock), maxAliases. Returns 1, 0 (nothing stored) or -1 (full).
const OPERATOR = `${FORGET}
local base, x, at, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local a, s = base .. ':a:' .. x, base .. ':s:' .. x
if redis.call('EXISTS', a) == 0 then
  if mode == 'unblock' then return 0 end
  if not room(base, tonumber(ARGV[5]), false) then return -1 end
  redis.call('HSET', a, 'touched', at)
  redis.call('ZADD', base .. ':index', at, x)
end
if mode == 'add' then redis.call('HSETNX', a, 'added', at) end
if mode == 'block' then redis.call('HSET', a, 'blocked', '1'); redis.call('SADD', base .. ':blocked', x) end
if mode == 'unblock' then redis.call('HSET', a, 'blocked', '0'); redis.call('SREM', base .. ':blocked', x) end
settle(base, a, s, x)
return 1
`;

// ARGV: base, address ('' for all), limit, offset. Drops index entries whose alias expired meanwhile.
const LIST = `
local base = ARGV[1]
local xs = ARGV[2] ~= '' and {ARGV[2]} or redis.call('ZREVRANGE', base .. ':index', tonumber(ARGV[4]), tonumber(ARGV[4]) + tonumber(ARGV[3]) - 1)
local out = {}
for _, x in ipairs(xs) do
  local h = redis.call('HGETALL', base .. ':a:' .. x)
  if #h > 0 then table.insert(out, {x, h, redis.call('HGETALL', base .. ':s:' .. x)})
  else redis.call('ZREM', base .. ':index', x); redis.call('ZREM', base .. ':transient', x) end
end
return out
`;

/** The inventory on Redis, shared by every instance: one inventory and one block list. */
export function redisInventory(redis: RedisConnection, namespace: string, limits: InventoryLimits = INVENTORY_LIMITS): Inventory {
  const { client, call } = redis;
  const base = `${namespace}:{inventory}`;
  // EVALSHA with the script's SHA-1, so each call sends the arguments only; after a Redis restart (empty
  // script cache) the NOSCRIPT answer is followed by one EVAL, which caches the script again.
  const run = (what: string, script: string, args: string[], keys: string[] = []): Promise<unknown> => {
    const sha = shaOf(script);
    return call(what, async () => {
      try {
        return await client.evalSha(sha, { keys, arguments: args });
      } catch (err) {
        if (!String(err instanceof Error ? err.message : err).startsWith('NOSCRIPT')) throw err;
        return client.eval(script, { keys, arguments: args });
      }
    });
  };

  const listing = async (address: string, limit: number, offset = 0): Promise<AliasEntry[]> => {
    const reply = await run('list', LIST, [base, address, String(limit), String(offset)]);
    return (Array.isArray(reply) ? reply : []).flatMap((item: unknown) => (Array.isArray(item) ? [toEntry(item)] : []));
  };
  const operator = async (address: string, at: number, mode: 'add' | 'block' | 'unblock'): Promise<AliasEntry> => {
    const done = await run(mode, OPERATOR, [base, address, String(at), mode, String(limits.maxAliases)]);
    if (done === -1) throw new InventoryFull(`the inventory holds ${limits.maxAliases} aliases in use`);
    return (await listing(address, 1))[0] ?? emptyEntry(address);
  };

  return {
    async facts(address, senderDomain) {
      const reply = await run('facts', FACTS, [senderDomain ?? ''], [`${base}:a:${address}`, `${base}:s:${address}`]);
      const [first, added, fwd, blocked, seen] = Array.isArray(reply) ? reply.map(String) : [];
      return { known: Boolean(added) || Number(fwd) > 0, blocked: blocked === '1', firstSeen: first ? Number(first) : null, senderSeen: seen === '1' };
    },
    async record(use) {
      const args = [base, use.address, String(use.at), use.outcome === 'forwarded' ? '1' : '0', use.senderDomain ?? '', use.newSender ? '1' : '0'];
      const bounds = [limits.maxAliases, limits.maxSendersPerAlias, limits.transientTtlMs, use.at - limits.transientTtlMs].map(String);
      await run('record', RECORD, [...args, ...bounds]);
    },
    add: (address, at) => operator(address, at, 'add'),
    setBlocked: (address, blocked, at) => operator(address, at, blocked ? 'block' : 'unblock'),
    list: (query) => listing(query.address ?? '', query.limit, query.offset),
    async blockedCount() {
      return call('blocked count', () => client.sCard(`${base}:blocked`));
    },
  };
}

const shas = new Map<string, string>();
function shaOf(script: string): string {
  let sha = shas.get(script);
  if (sha === undefined) shas.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  return sha;
}

function emptyEntry(address: string): AliasEntry {
  return { address, firstSeen: null, lastSeen: null, added: null, forwarded: 0, refused: 0, blocked: false, senders: [] };
}

/** Flat HGETALL replies → maps. */
function pairs(flat: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(flat)) return map;
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), String(flat[i + 1]));
  return map;
}

function toEntry([address, aliasFields, senderFields]: unknown[]): AliasEntry {
  const h = pairs(aliasFields);
  const time = (name: string): number | null => (h.has(name) ? Number(h.get(name)) : null);
  const senders: SenderEntry[] = [];
  for (const [domain, packed] of pairs(senderFields)) {
    const [count, firstSeen, lastSeen, isNew] = packed.split('|').map(Number);
    senders.push({ domain, count: count ?? 0, firstSeen: firstSeen ?? 0, lastSeen: lastSeen ?? 0, new: isNew === 1 });
  }
  senders.sort((x, y) => x.firstSeen - y.firstSeen || (x.domain < y.domain ? -1 : 1));
  return {
    address: String(address),
    firstSeen: time('first'),
    lastSeen: time('last'),
    added: time('added'),
    forwarded: Number(h.get('fwd') ?? 0),
    refused: Number(h.get('ref') ?? 0),
    blocked: h.get('blocked') === '1',
    senders,
  };
}
