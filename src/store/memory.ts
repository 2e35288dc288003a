import type { Clock } from '../clock.js';
import type { ClaimResult, Store } from './types.js';

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * A bounded map with per-entry expiry. When full, the oldest entries go first (a Map keeps
 * insertion order), so a flood of unique tokens cannot grow the process without limit.
 */
function boundedMap(clock: Clock, maxEntries: number) {
  const map = new Map<string, Entry>();
  return {
    get(key: string): string | undefined {
      const entry = map.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= clock.now()) {
        map.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key: string, value: string, ttlMs: number): void {
      map.delete(key);
      map.set(key, { value, expiresAt: clock.now() + ttlMs });
      while (map.size > maxEntries) {
        const oldest = map.keys().next().value;
        if (oldest === undefined) break;
        map.delete(oldest);
      }
    },
    delete(key: string): void {
      map.delete(key);
    },
    get size(): number {
      return map.size;
    },
  };
}

const USED = '\u0000used';

type BoundedMap = ReturnType<typeof boundedMap>;

function claim(map: BoundedMap, key: string, owner: string, ttlMs: number): ClaimResult {
  const current = map.get(key);
  if (current === USED) return 'used';
  if (current !== undefined) return 'busy';
  map.set(key, owner, ttlMs);
  return 'claimed';
}

function release(map: BoundedMap, key: string, owner: string): void {
  if (map.get(key) === owner) map.delete(key);
}

export function createMemoryStore(clock: Clock, maxEntries = 200_000): Store {
  const tokens = boundedMap(clock, maxEntries);
  const delivered = boundedMap(clock, maxEntries);
  return {
    kind: 'memory',
    async claimToken(token, owner, ttlMs) {
      return claim(tokens, token, owner, ttlMs);
    },
    async completeToken(token, ttlMs) {
      tokens.set(token, USED, ttlMs);
    },
    async releaseToken(token, owner) {
      release(tokens, token, owner);
    },
    async claimDelivery(key, owner, ttlMs) {
      return claim(delivered, key, owner, ttlMs);
    },
    async markDelivered(key, ttlMs) {
      delivered.set(key, USED, ttlMs);
    },
    async releaseDelivery(key, owner) {
      release(delivered, key, owner);
    },
    async health() {
      return { ok: true, detail: `memory: ${tokens.size} tokens, ${delivered.size} delivered keys` };
    },
    async close() {},
  };
}
