// Real Redis for tests. `sharedRedis(t)` is CI's server (REDIS_URL_TEST) or one started for the test;
// `ownRedis(t)` always starts one, for tests that stop and restart it. Without a redis-server binary
// the test is skipped with a message locally, and fails in CI (CI=true), where Redis must be there.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { createRedisStore } from '../../src/store/redis/index.js';
import type { Store } from '../../src/store/types.js';
import { freePort } from '../support/free-port.js';

export interface RedisServer {
  url: string;
  /** SIGKILL: no goodbye to the clients, like a crashed or unreachable server. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: tests run it without persistence). */
  restart(): Promise<void>;
}

const BINARY = process.env.REDIS_SERVER_BIN ?? 'redis-server';

function hasBinary(): boolean {
  return spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Returns false (and skips, or fails in CI) when no Redis can be had. */
function available(t: TestContext): boolean {
  if (hasBinary()) return true;
  const why = `no redis-server binary: install redis-server (apt-get install redis-server) or set REDIS_URL_TEST`;
  if (process.env.CI === 'true') throw new Error(`${why} — in CI the Redis tests must run`);
  t.skip(why);
  return false;
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${out}`));
    });
  });
}

export async function ownRedis(t: TestContext): Promise<RedisServer | null> {
  if (!available(t)) return null;
  const port = await freePort();
  let child = await launch(port);
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  t.after(kill);
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      child = await launch(port);
    },
  };
}

export async function sharedRedis(t: TestContext): Promise<string | null> {
  if (process.env.REDIS_URL_TEST) return process.env.REDIS_URL_TEST;
  return (await ownRedis(t))?.url ?? null;
}

/** A Redis store in a namespace of its own, so tests sharing one server never see each other's keys. */
export function redisStore(t: TestContext, url: string, namespace = `plus-relay-test-${randomUUID()}`): Store {
  const store = createRedisStore({ url, namespace });
  t.after(() => store.close());
  return store;
}

/** Waits until the store answers (it connects in the background). */
export async function untilHealthy(store: Store, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await store.health()).ok) {
    if (Date.now() > until) throw new Error(`store not healthy after ${ms} ms: ${(await store.health()).detail}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
