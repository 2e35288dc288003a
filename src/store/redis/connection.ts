import { createClient } from 'redis';
import { StoreUnavailableError, type StoreHealth } from '../types.js';

export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RedisConnectionOptions {
  url: string;
  /** A command that gets no answer within this fails: a delivery must not wait on a blackholed Redis. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  logger?: StoreLogger;
  /** Runs each time the connection is (re)established, e.g. to write what could not be written while down. */
  onReady?: () => void;
}

export type RedisClient = ReturnType<typeof newClient>;

export interface RedisConnection {
  readonly client: RedisClient;
  /** Runs one command with an answer timeout; any failure becomes a StoreUnavailableError. */
  call<T>(what: string, command: () => Promise<T>, ms?: number): Promise<T>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

function newClient(options: RedisConnectionOptions) {
  return createClient({
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
}

/**
 * One connection to Redis, shared by every part of the Redis store. Every failure to reach Redis is a
 * StoreUnavailableError, raised at once: with the offline queue disabled, a command sent while the
 * connection is down fails instead of waiting for a reconnect that may never come.
 */
export function connectRedis(options: RedisConnectionOptions): RedisConnection {
  const timeout = options.commandTimeoutMs ?? 1000;
  const log = options.logger;
  const client = newClient(options);

  // Log changes of state, not every failed reconnect attempt (that would be one line per 2 s).
  let state: 'connecting' | 'ready' | 'down' = 'connecting';
  let lastError = 'connecting';
  client.on('ready', () => {
    if (state !== 'ready') log?.info({ store: 'redis' }, 'redis connected');
    state = 'ready';
    lastError = '';
    options.onReady?.();
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

  return {
    client,
    call,
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
