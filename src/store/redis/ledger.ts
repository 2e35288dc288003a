import { storedKey } from '../keys.js';
import type { ClaimResult, Ledger } from '../types.js';
import { unwrittenCompletions } from '../unwritten-completions.js';
import type { RedisConnection } from './connection.js';

const DONE = '\u0000done';

// Deletes the claim only while it is still ours: a claim that expired and was taken by another
// instance must survive our late release. GET + DEL in one script so nothing runs in between.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

// KEYS: the token, then the pairs. ARGV: the owner, the claim's ttl (ms), the done value. Claims the token, and only when it is ours
// each pair: 1 claimed, 2 used, 3 busy, one per key tried. One script: nothing runs between a key's SET and its GET.
const CLAIM_DELIVERY = `
local answers = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then answers[i] = 1
  elseif redis.call('GET', key) == ARGV[3] then answers[i] = 2
  else answers[i] = 3 end
  if i == 1 and answers[1] ~= 1 then break end
end
return answers`;
// KEYS: the token's binding. ARGV: the endpoint, the ttl (ms). 1 when the token is (now) bound to that endpoint.
const BIND = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end return 0`;
const ANSWERS: Record<number, ClaimResult> = { 1: 'claimed', 2: 'used', 3: 'busy' };

/**
 * The ledger on Redis: a claim is SET NX PX with the owner as value, done is the DONE value with its
 * own expiry. Keys live under `<namespace>:`.
 */
export function redisLedger(redis: RedisConnection, namespace: string): Ledger & { flushPending(): Promise<void> } {
  const { client, call } = redis;
  const keyOf = (space: Parameters<typeof storedKey>[0], key: string): string => `${namespace}:${storedKey(space, key)}`;

  // Completions that happened while Redis could not record them: written once it is back (its 'ready').
  const unwritten = unwrittenCompletions(() => Date.now());

  return {
    async claim(space, key, owner, ttlMs): Promise<ClaimResult> {
      const k = keyOf(space, key);
      if (unwritten.has(k)) return 'used';
      const set = await call('claim', () => client.set(k, owner, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } }));
      if (set === 'OK') return 'claimed';
      const current = await call('claim', () => client.get(k));
      // Gone between the two commands (expired or released): busy, and the caller's wait loop claims again.
      return current === DONE ? 'used' : 'busy';
    },
    async claimDelivery(token, pairs, owner, ttlMs) {
      const keys = [keyOf('token', token), ...pairs.map((pair) => keyOf('delivery', pair))];
      if (unwritten.has(keys[0] ?? '')) return { token: 'used', pairs: [] };
      const reply = await call('claim delivery', () => client.eval(CLAIM_DELIVERY, { keys, arguments: [owner, String(ttlMs), DONE] }));
      const answers = (reply as number[]).map((n, i) => (i > 0 && unwritten.has(keys[i] ?? '') ? 'used' : (ANSWERS[n] ?? 'busy')));
      const [first = 'busy', ...rest] = answers;
      return { token: first, pairs: first === 'claimed' ? rest : [] };
    },
    async bind(token, endpoint, ttlMs) {
      const reply = await call('bind', () => client.eval(BIND, { keys: [keyOf('signature', token)], arguments: [endpoint, String(ttlMs)] }));
      return reply === 1;
    },
    async complete(space, key, ttlMs) {
      const k = keyOf(space, key);
      try {
        await call('complete', () => client.set(k, DONE, { expiration: { type: 'PX', value: ttlMs } }));
      } catch (err) {
        unwritten.keep(k, Date.now() + ttlMs);
        throw err;
      }
    },
    async release(space, key, owner) {
      await call('release', () => client.eval(RELEASE, { keys: [keyOf(space, key)], arguments: [owner] }));
    },
    async flushPending() {
      await unwritten
        .writeOut(async (entries) => {
          for (const [k, expiresAt] of entries) {
            const ttl = expiresAt - Date.now();
            if (ttl > 0) await client.set(k, DONE, { expiration: { type: 'PX', value: ttl } });
          }
        })
        .catch(() => undefined); // down again: the next 'ready' retries
    },
  };
}
