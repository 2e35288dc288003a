import { createHash } from 'node:crypto';
import { INVENTORY_LIMITS, InventoryFull, KEPT_AFTER, type AliasEntry, type ApiClaim, type Inventory, type InventoryLimits, type SenderEntry } from '../inventory.js';
import type { RedisConnection } from './connection.js';

// Keys (all under one hash tag, so every script's keys live in one slot of a cluster):
//   <base>:a:<address>  hash  first, last, added, touched, fwd, ref, auth, blocked, transient, desc, api (its user), id
//   <base>:s:<address>  hash  sender domain → "count|firstSeen|lastSeen|new"
//   <base>:index        zset  every alias, scored by its last message (else its creation): the listing
//   <base>:learned      zset  every alias not added, imported nor blocked, and not kept, by last message: what
//                             expires, and what gives way (least recently mailed first) when the learned part
//                             (this and :kept) holds maxLearnedAliases
//   <base>:kept         zset  learned aliases with KEPT_AFTER forwards from an authenticated sender (`auth`), by
//                             last message: they expire, but never give way
//   <base>:transient    zset  learned aliases that only ever received refused mail, by last message: what
//                             expires soonest and gives way first
//   <base>:single       zset  learned aliases with a single message, by that message: what gives way next
//   <base>:operator     set   aliases added, imported or blocked: never given way; counted against
//                             maxOperatorAliases, except the imported ones
//   <base>:imported     set   imported aliases: counted against maxImportedAliases
//   <base>:added        set   added aliases, for the size
//   <base>:blocked      set   blocked aliases, for the gauge and the size
//   <base>:api:<user>   zset  the aliases made through the alias API with that user's token, by creation: never
//                             learned nor the operator's, so in neither set above
//   <base>:api-id       hash  an API alias's id → its address (a DELETE finds its one alias)
//   <base>:v2           string  set once the sets above were built from an older inventory (upgrade())
// Each operation is one Lua script: atomic, and one round trip.

const LIB = `
local function unlearn(base, x)
  redis.call('ZREM', base .. ':learned', x)
  redis.call('ZREM', base .. ':kept', x)
  redis.call('ZREM', base .. ':transient', x)
  redis.call('ZREM', base .. ':single', x)
end
local function forget(base, x)
  local api = redis.call('HMGET', base .. ':a:' .. x, 'api', 'id')
  if api[1] then
    redis.call('ZREM', base .. ':api:' .. api[1], x)
    redis.call('HDEL', base .. ':api-id', api[2])
  end
  redis.call('DEL', base .. ':a:' .. x, base .. ':s:' .. x)
  redis.call('ZREM', base .. ':index', x)
  unlearn(base, x)
end
local function learnedCount(base)
  return redis.call('ZCARD', base .. ':learned') + redis.call('ZCARD', base .. ':kept')
end
-- A place for one more learned alias: free, or (not for a refused-only one) taken from another learned one that
-- is not kept: refused-only first, then single-message, then the least recently mailed.
local function room(base, max, transient)
  if learnedCount(base) < max then return true end
  if transient then return false end
  local victim = redis.call('ZRANGE', base .. ':transient', 0, 0)[1] or redis.call('ZRANGE', base .. ':single', 0, 0)[1]
    or redis.call('ZRANGE', base .. ':learned', 0, 0)[1]
  if not victim then return false end
  forget(base, victim)
  return true
end
-- A learned alias into the set its forwards from authenticated senders put it in.
local function learn(base, a, x, at, keptAfter)
  if tonumber(redis.call('HGET', a, 'auth') or '0') >= keptAfter then
    redis.call('ZREM', base .. ':learned', x)
    redis.call('ZADD', base .. ':kept', at, x)
  else
    redis.call('ZADD', base .. ':learned', at, x)
  end
  local messages = tonumber(redis.call('HGET', a, 'fwd') or '0') + tonumber(redis.call('HGET', a, 'ref') or '0')
  if messages == 1 then redis.call('ZADD', base .. ':single', at, x) else redis.call('ZREM', base .. ':single', x) end
end
local function settle(base, a, s, x)
  redis.call('HSET', a, 'transient', '0')
  redis.call('ZREM', base .. ':transient', x)
  redis.call('PERSIST', a)
  redis.call('PERSIST', s)
end
-- An inventory written before operator entries were kept apart: sort its aliases into the sets, once.
local function upgrade(base)
  if redis.call('EXISTS', base .. ':v2') == 1 then return end
  local all = redis.call('ZRANGE', base .. ':index', 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do
    local x, score = all[i], all[i + 1]
    local v = redis.call('HMGET', base .. ':a:' .. x, 'touched', 'added', 'blocked')
    if not v[1] then forget(base, x)
    elseif v[2] or v[3] == '1' then
      redis.call('SADD', base .. ':operator', x)
      if v[2] then redis.call('SADD', base .. ':added', x) end
    else redis.call('ZADD', base .. ':learned', score, x) end
  end
  redis.call('SET', base .. ':v2', '1')
end
`;

// KEYS: the alias's hash, its senders, the imported set. ARGV: sender domain ('' for none), address.
const FACTS = `
local v = redis.call('HMGET', KEYS[1], 'first', 'added', 'fwd', 'blocked')
local seen = 0
if ARGV[1] ~= '' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then seen = 1 end
-- An imported alias learns from its import, or from its first message if that came before (it was learned first).
if v[2] and redis.call('SISMEMBER', KEYS[3], ARGV[2]) == 1 and (not v[1] or tonumber(v[2]) < tonumber(v[1])) then v[1] = v[2] end
return {v[1] or '', v[2] or '', v[3] or '', v[4] or '', seen}
`;

// ARGV: base, address, at, forwarded (1/0), domain ('' for none), new (1/0), maxLearned, maxSenders, transientTtlMs,
// transientExpiredBefore, learnedExpiredBefore, authenticated (1/0), keptAfter
const RECORD = `${LIB}
local base, x, at, fwd, domain, isNew = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1', ARGV[5], ARGV[6]
local a, s = base .. ':a:' .. x, base .. ':s:' .. x
upgrade(base)
for _, old in ipairs(redis.call('ZRANGEBYSCORE', base .. ':transient', '-inf', ARGV[10], 'LIMIT', 0, 16)) do forget(base, old) end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', base .. ':learned', '-inf', ARGV[11], 'LIMIT', 0, 16)) do forget(base, old) end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', base .. ':kept', '-inf', ARGV[11], 'LIMIT', 0, 16)) do forget(base, old) end
if redis.call('EXISTS', a) == 0 then
  if not room(base, tonumber(ARGV[7]), not fwd) then return 0 end
  redis.call('HSET', a, 'first', at, 'transient', fwd and '0' or '1')
end
redis.call('HSETNX', a, 'first', at)
redis.call('HSET', a, 'last', at, 'touched', at)
redis.call('HINCRBY', a, fwd and 'fwd' or 'ref', 1)
if fwd and ARGV[12] == '1' then redis.call('HINCRBY', a, 'auth', 1) end
redis.call('ZADD', base .. ':index', at, x)
if redis.call('SISMEMBER', base .. ':operator', x) == 0 and redis.call('HEXISTS', a, 'api') == 0 then learn(base, a, x, at, tonumber(ARGV[13])) end
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

// ARGV: base, address, at, mode (add | block | unblock), maxOperator, maxLearned, description ('' for none), keptAfter.
// Returns 1, or -1 when the operator's part is full.
const OPERATOR = `${LIB}
local base, x, at, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local a, s = base .. ':a:' .. x, base .. ':s:' .. x
upgrade(base)
-- An API alias keeps its own place: the operator's block, unblock or add never moves it into their part.
if redis.call('HEXISTS', a, 'api') == 1 then
  if mode == 'block' then redis.call('HSET', a, 'blocked', '1'); redis.call('SADD', base .. ':blocked', x) end
  if mode == 'unblock' then redis.call('HSET', a, 'blocked', '0'); redis.call('SREM', base .. ':blocked', x) end
  if mode == 'add' and ARGV[7] ~= '' then redis.call('HSET', a, 'desc', ARGV[7]) end
  return 1
end
if mode == 'unblock' then
  if redis.call('HGET', a, 'blocked') ~= '1' then return 1 end
  redis.call('HSET', a, 'blocked', '0')
  redis.call('SREM', base .. ':blocked', x)
  if redis.call('SISMEMBER', base .. ':added', x) == 1 or redis.call('SISMEMBER', base .. ':imported', x) == 1 then return 1 end
  -- Not added: learned again, or forgotten when it was never mailed.
  redis.call('SREM', base .. ':operator', x)
  if redis.call('HEXISTS', a, 'first') == 0 then forget(base, x); return 1 end
  room(base, tonumber(ARGV[6]), false)
  local touched = redis.call('HGET', a, 'touched') or at
  learn(base, a, x, touched, tonumber(ARGV[8]))
  if tonumber(redis.call('HGET', a, 'fwd') or '0') == 0 then
    redis.call('HSET', a, 'transient', '1')
    redis.call('ZADD', base .. ':transient', touched, x)
  end
  return 1
end
if redis.call('SISMEMBER', base .. ':operator', x) == 0 then
  if redis.call('SCARD', base .. ':operator') - redis.call('SCARD', base .. ':imported') >= tonumber(ARGV[5]) then return -1 end
  if redis.call('EXISTS', a) == 0 then
    redis.call('HSET', a, 'touched', at)
    redis.call('ZADD', base .. ':index', at, x)
  end
  redis.call('SADD', base .. ':operator', x)
  unlearn(base, x)
  settle(base, a, s, x)
end
if mode == 'add' then
  redis.call('HSETNX', a, 'added', at)
  redis.call('SADD', base .. ':added', x)
  if ARGV[7] ~= '' then redis.call('HSET', a, 'desc', ARGV[7]) end
end
if mode == 'block' then redis.call('HSET', a, 'blocked', '1'); redis.call('SADD', base .. ':blocked', x) end
return 1
`;

// ARGV: base, at, maxImported, then the addresses. Returns {imported, already an operator entry}, or -1 when the batch
// does not fit in the imported part (nothing changed).
const IMPORT = `${LIB}
local base, at = ARGV[1], ARGV[2]
upgrade(base)
local fresh = {}
for i = 4, #ARGV do
  -- Only learned or unknown ones come in: the operator's own and the alias API's are known already.
  if redis.call('SISMEMBER', base .. ':operator', ARGV[i]) == 0 and redis.call('HEXISTS', base .. ':a:' .. ARGV[i], 'api') == 0 then table.insert(fresh, ARGV[i]) end
end
if redis.call('SCARD', base .. ':imported') + #fresh > tonumber(ARGV[3]) then return -1 end
for _, x in ipairs(fresh) do
  local a, s = base .. ':a:' .. x, base .. ':s:' .. x
  if redis.call('EXISTS', a) == 0 then
    redis.call('HSET', a, 'touched', at)
    redis.call('ZADD', base .. ':index', at, x)
  end
  redis.call('HSETNX', a, 'added', at)
  redis.call('SADD', base .. ':operator', x)
  redis.call('SADD', base .. ':imported', x)
  unlearn(base, x)
  settle(base, a, s, x)
end
return {#fresh, #ARGV - 3 - #fresh}
`;

// ARGV: base. Returns learned, operator (imported ones apart), imported, added (not imported), blocked.
const SIZE = `${LIB}
local base = ARGV[1]
upgrade(base)
local imported = redis.call('SCARD', base .. ':imported')
local added = #redis.call('SDIFF', base .. ':added', base .. ':imported')
return {learnedCount(base), redis.call('SCARD', base .. ':operator') - imported, imported, added, redis.call('SCARD', base .. ':blocked')}
`;

// ARGV: base, address ('' for all), limit, offset. Drops index entries whose alias expired meanwhile.
const LIST = `
local base = ARGV[1]
local xs = ARGV[2] ~= '' and {ARGV[2]} or redis.call('ZREVRANGE', base .. ':index', tonumber(ARGV[4]), tonumber(ARGV[4]) + tonumber(ARGV[3]) - 1)
local out = {}
for _, x in ipairs(xs) do
  local h = redis.call('HGETALL', base .. ':a:' .. x)
  if #h > 0 then table.insert(out, {x, h, redis.call('HGETALL', base .. ':s:' .. x)})
  else
    redis.call('ZREM', base .. ':index', x)
    for _, set in ipairs({'learned', 'kept', 'transient', 'single'}) do redis.call('ZREM', base .. ':' .. set, x) end
  end
end
return out
`;

// ARGV: base, address, id, user, at, description ('' for none), maxPerUser. Returns 1 claimed, 0 taken, -1 full.
const CLAIM_API = `${LIB}
local base, x, id, user, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local a, mine = base .. ':a:' .. x, base .. ':api:' .. ARGV[4]
upgrade(base)
if redis.call('EXISTS', a) == 1 then return 0 end
if redis.call('ZCARD', mine) >= tonumber(ARGV[7]) then return -1 end
-- Left by an alias that expired with its key: the name is free, its places go.
unlearn(base, x)
redis.call('DEL', base .. ':s:' .. x)
redis.call('HSET', a, 'touched', at, 'added', at, 'transient', '0', 'api', user, 'id', id)
if ARGV[6] ~= '' then redis.call('HSET', a, 'desc', ARGV[6]) end
redis.call('ZADD', base .. ':index', at, x)
redis.call('ZADD', mine, at, x)
redis.call('HSET', base .. ':api-id', id, x)
return 1
`;

// ARGV: base, user, limit, offset. Returns the total, then the page (as LIST does).
const LIST_API = `
local base, mine = ARGV[1], ARGV[1] .. ':api:' .. ARGV[2]
local out = {redis.call('ZCARD', mine)}
for _, x in ipairs(redis.call('ZREVRANGE', mine, tonumber(ARGV[4]), tonumber(ARGV[4]) + tonumber(ARGV[3]) - 1)) do
  table.insert(out, {x, redis.call('HGETALL', base .. ':a:' .. x), redis.call('HGETALL', base .. ':s:' .. x)})
end
return out
`;

// ARGV: base, user, id ('' when by address), address. Returns the address blocked, or '' when it is not the user's.
const BLOCK_API = `
local base, user = ARGV[1], ARGV[2]
local x = ARGV[3] ~= '' and redis.call('HGET', base .. ':api-id', ARGV[3]) or ARGV[4]
if not x or x == '' or redis.call('HGET', base .. ':a:' .. x, 'api') ~= user then return '' end
redis.call('HSET', base .. ':a:' .. x, 'blocked', '1')
redis.call('SADD', base .. ':blocked', x)
return x
`;

// ARGV: base, address. Returns 1 when there was an entry.
const FORGET = `${LIB}
local base, x = ARGV[1], ARGV[2]
upgrade(base)
local existed = redis.call('EXISTS', base .. ':a:' .. x)
forget(base, x)
redis.call('SREM', base .. ':operator', x)
redis.call('SREM', base .. ':added', x)
redis.call('SREM', base .. ':imported', x)
redis.call('SREM', base .. ':blocked', x)
return existed
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
  const operator = async (address: string, at: number, mode: 'add' | 'block' | 'unblock', description = ''): Promise<AliasEntry> => {
    const done = await run(mode, OPERATOR, [base, address, String(at), mode, String(limits.maxOperatorAliases), String(limits.maxLearnedAliases), description, String(KEPT_AFTER)]);
    if (done === -1) throw new InventoryFull(`the operator's part of the inventory holds its ${limits.maxOperatorAliases} added or blocked aliases`);
    return (await listing(address, 1))[0] ?? emptyEntry(address);
  };

  return {
    async claimApiAlias(c): Promise<ApiClaim> {
      const done = await run('claim', CLAIM_API, [base, c.address, c.id, c.user, String(c.at), c.description ?? '', String(c.maxPerUser)]);
      if (done === 0) return { outcome: 'taken' };
      if (done === -1) return { outcome: 'full' };
      return { outcome: 'claimed', entry: (await listing(c.address, 1))[0] ?? emptyEntry(c.address) };
    },
    async listApiAliases(user, limit, offset) {
      const reply = await run('list', LIST_API, [base, user, String(limit), String(offset)]);
      const [total, ...items] = Array.isArray(reply) ? reply : [0];
      return { total: Number(total), entries: items.flatMap((item: unknown) => (Array.isArray(item) ? [toEntry(item)] : [])) };
    },
    async blockApiAlias(user, key) {
      const address = await run('block', BLOCK_API, [base, user, 'id' in key ? key.id : '', 'address' in key ? key.address : '']);
      if (typeof address !== 'string' || address === '') return null;
      return (await listing(address, 1))[0] ?? null;
    },
    async forget(address) {
      return (await run('forget', FORGET, [base, address])) === 1;
    },
    async facts(address, senderDomain) {
      const reply = await run('facts', FACTS, [senderDomain ?? '', address], [`${base}:a:${address}`, `${base}:s:${address}`, `${base}:imported`]);
      const [first, added, fwd, blocked, seen] = Array.isArray(reply) ? reply.map(String) : [];
      return { known: Boolean(added) || Number(fwd) > 0, blocked: blocked === '1', firstSeen: first ? Number(first) : null, senderSeen: seen === '1' };
    },
    async record(use) {
      const args = [base, use.address, String(use.at), use.outcome === 'forwarded' ? '1' : '0', use.senderDomain ?? '', use.newSender ? '1' : '0'];
      const bounds = [limits.maxLearnedAliases, limits.maxSendersPerAlias, limits.transientTtlMs, use.at - limits.transientTtlMs, use.at - limits.learnedTtlMs].map(String);
      await run('record', RECORD, [...args, ...bounds, use.authenticated === true ? '1' : '0', String(KEPT_AFTER)]);
    },
    async importAliases(addresses, at) {
      const reply = await run('import', IMPORT, [base, String(at), String(limits.maxImportedAliases), ...addresses]);
      if (reply === -1) throw new InventoryFull(`the inventory's imported part holds at most ${limits.maxImportedAliases} aliases`);
      const [imported = 0, alreadyOperator = 0] = Array.isArray(reply) ? reply.map(Number) : [];
      return { imported, alreadyOperator };
    },
    add: (address, at, description) => operator(address, at, 'add', description),
    setBlocked: (address, blocked, at) => operator(address, at, blocked ? 'block' : 'unblock'),
    list: (query) => listing(query.address ?? '', query.limit, query.offset),
    async blockedCount() {
      return call('blocked count', () => client.sCard(`${base}:blocked`));
    },
    async size() {
      const reply = await run('size', SIZE, [base]);
      const [learned = 0, operator = 0, imported = 0, added = 0, blocked = 0] = Array.isArray(reply) ? reply.map(Number) : [];
      return { learned, learnedMax: limits.maxLearnedAliases, operator, operatorMax: limits.maxOperatorAliases, imported, importedMax: limits.maxImportedAliases, added, blocked };
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
    ...(h.has('desc') ? { description: String(h.get('desc')) } : {}),
    ...(h.has('api') ? { apiUser: String(h.get('api')) } : {}),
  };
}
