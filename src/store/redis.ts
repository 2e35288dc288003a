import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { StoreUnavailableError, type ClaimResult, type Store } from './types.js';

export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RedisStoreOptions {
  url: string;
  /** Key namespace; several relays (or test runs) can share one Redis under different ones. */
  namespace?: string;
  /** A command that gets no answer within this fails: a delivery must not wait on a blackholed Redis. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  logger?: StoreLogger;
}

const USED = '\u0000used';
const MAX_PENDING = 10_000;

// Deletes the claim only while it is still ours: a claim that expired and was taken by another
// instance must survive our late release. GET + DEL in one script so nothing runs in between.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * The Store on Redis, so several relay instances behave as one. Every failure to reach Redis is
 * a StoreUnavailableError, raised at once: with the offline queue disabled, a command sent while
 * the connection is down fails instead of waiting for a reconnect that may never come.
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  const ns = options.namespace ?? 'plus-relay';
  const timeout = options.commandTimeoutMs ?? 1000;
  const log = options.logger;
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    // A Redis that stops answering (partition, overload) must not grow the queue without limit.
    commandsQueueMaxLength: 10_000,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 2000,
      // Forever, backing off to 2 s with jitter: Redis coming back must be noticed without a restart.
      reconnectStrategy: (retries) => Math.min(50 * 2 ** Math.min(retries, 6), 2000) + Math.floor(Math.random() * 100),
    },
  });

  // Log changes of state, not every failed reconnect attempt (that would be one line per 2 s).
  let state: 'connecting' | 'ready' | 'down' = 'connecting';
  let lastError = 'connecting';
  client.on('ready', () => {
    if (state !== 'ready') log?.info({ store: 'redis' }, 'redis connected');
    state = 'ready';
    lastError = '';
    void flushPending();
  });
  client.on('error', (err: Error) => {
    lastError = err.message || err.name;
    if (state !== 'down') log?.warn({ store: 'redis', err: lastError }, 'redis unreachable: deliveries answer 503 until it is back');
    state = 'down';
  });
  // Not awaited: connect() keeps retrying while Redis is down, and the relay must start anyway.
  client.connect().catch((err: unknown) => {
    lastError = err instanceof Error ? err.message : String(err);
  });

  // node-redis's own command timeout only covers waiting to be written, not waiting for the
  // answer; a connected Redis that stops answering needs this one.
  async function call<T>(what: string, command: () => Promise<T>, ms = timeout): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([command(), silence]);
    } catch (err) {
      const reason = err instanceof Error ? err.message || err.name : String(err);
      throw new StoreUnavailableError(`redis ${what}: ${reason}`);
    } finally {
      clearTimeout(timer);
    }
  }
  // Sends that went out while Redis could not record them. Mailgun retries such a delivery (it was
  // answered 503) 10 minutes later at the earliest; written once Redis is back, they keep that
  // retry from sending the message again. Bounded: a long outage costs memory only up to here.
  const pending = new Map<string, number>();
  async function flushPending(): Promise<void> {
    for (const [key, expiresAt] of pending) {
      const ttl = expiresAt - Date.now();
      try {
        if (ttl > 0) await client.set(key, USED, { expiration: { type: 'PX', value: ttl } });
        pending.delete(key);
      } catch {
        return; // down again: the next 'ready' retries
      }
    }
  }

  const tokenKey = (token: string): string => `${ns}:token:${token.length > 100 ? sha256(token) : token}`;
  const deliveredKey = (key: string): string => `${ns}:delivered:${sha256(key)}`;

  async function claim(key: string, owner: string, ttlMs: number): Promise<ClaimResult> {
    const set = await call('claim', () => client.set(key, owner, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } }));
    if (set === 'OK') return 'claimed';
    const current = await call('claim', () => client.get(key));
    // Gone between the two commands (expired or released): busy, and the caller's wait loop claims again.
    return current === USED ? 'used' : 'busy';
  }
  async function release(key: string, owner: string): Promise<void> {
    await call('release', () => client.eval(RELEASE, { keys: [key], arguments: [owner] }));
  }

  return {
    kind: 'redis',
    claimToken: (token, owner, ttlMs) => claim(tokenKey(token), owner, ttlMs),
    async completeToken(token, ttlMs) {
      await call('complete', () => client.set(tokenKey(token), USED, { expiration: { type: 'PX', value: ttlMs } }));
    },
    releaseToken: (token, owner) => release(tokenKey(token), owner),
    async claimDelivery(key, owner, ttlMs) {
      if (pending.has(deliveredKey(key))) return 'used';
      return claim(deliveredKey(key), owner, ttlMs);
    },
    async markDelivered(key, ttlMs) {
      const k = deliveredKey(key);
      try {
        await call('record', () => client.set(k, USED, { expiration: { type: 'PX', value: ttlMs } }));
      } catch (err) {
        if (pending.size < MAX_PENDING) pending.set(k, Date.now() + ttlMs);
        throw err;
      }
    },
    releaseDelivery: (key, owner) => release(deliveredKey(key), owner),
    async health() {
      if (!client.isReady) return { ok: false, detail: `redis unreachable: ${lastError || 'not connected'}` };
      try {
        await call('ping', () => client.ping(), Math.min(timeout, 500));
        return { ok: true, detail: 'redis: connected' };
      } catch (err) {
        return { ok: false, detail: `redis unreachable: ${err instanceof Error ? err.message : String(err)}` };
      }
    },
    async close() {
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
}
