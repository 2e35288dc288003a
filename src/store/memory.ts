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

export function createMemoryStore(clock: Clock, maxEntries = 200_000): Store {
  const tokens = boundedMap(clock, maxEntries);
  const delivered = boundedMap(clock, maxEntries);
  return {
    kind: 'memory',
    async claimToken(token, owner, ttlMs): Promise<ClaimResult> {
      const current = tokens.get(token);
      if (current === USED) return 'used';
      if (current !== undefined) return 'busy';
      tokens.set(token, owner, ttlMs);
      return 'claimed';
    },
    async completeToken(token, ttlMs) {
      tokens.set(token, USED, ttlMs);
    },
    async releaseToken(token, owner) {
      if (tokens.get(token) === owner) tokens.delete(token);
    },
    async isDelivered(key) {
      return delivered.get(key) !== undefined;
    },
    async markDelivered(key, ttlMs) {
      delivered.set(key, '1', ttlMs);
    },
    async health() {
      return { ok: true, detail: `memory: ${tokens.size} tokens, ${delivered.size} delivered keys` };
    },
    async close() {},
  };
}
