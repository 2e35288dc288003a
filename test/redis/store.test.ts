import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { StoreUnavailableError } from '../../src/store/types.js';
import { createStore } from '../../src/store/index.js';
import { systemClock } from '../../src/clock.js';
import { ownRedis, redisStore, untilHealthy } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp-dir.js';

// What only Redis can do wrong: go away, never answer, stop answering. The ledger's behaviour on a
// healthy Redis is tested beside SQLite's in test/store/ledger.test.ts.
test('Redis down: every method fails fast with StoreUnavailableError, health says so; back up: it reconnects', async (t) => {
  const redis = await ownRedis(t);
  if (!redis) return;
  const store = redisStore(t, redis.url);
  await untilHealthy(store);
  await redis.kill();
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['claim', () => store.ledger.claim('token', 't', 'o', 1000)],
    ['release', () => store.ledger.release('token', 't', 'o')],
    ['complete', () => store.ledger.complete('delivery', 'k', 1000)],
  ];
  for (const [name, call] of calls) {
    const started = Date.now();
    await assert.rejects(call(), StoreUnavailableError, name);
    assert.ok(Date.now() - started < 1500, `${name} took ${Date.now() - started} ms`);
  }
  const health = await store.health();
  assert.equal(health.ok, false);
  assert.match(health.detail, /redis unreachable/);

  await redis.restart();
  await untilHealthy(store, 8000);
  assert.equal(await store.ledger.claim('token', 't', 'o', 1000), 'claimed');
  assert.equal(await store.ledger.claim('delivery', 'k', 'o', 1000), 'used', 'the mark that failed while Redis was down was written when it came back');
});

test('a Redis that accepts connections but never answers the handshake: calls fail fast, health is not ok', async (t) => {
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined); // reads the handshake, answers nothing
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as import('node:net').AddressInfo).port;
  const store = await createStore({ DATA_DIR: './data', REDIS_URL: `redis://127.0.0.1:${port}` }, systemClock);
  t.after(() => store.close());
  assert.equal(store.kind, 'redis');
  const started = Date.now();
  await assert.rejects(store.ledger.claim('token', 't', 'o', 1000), StoreUnavailableError);
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  assert.equal((await store.health()).ok, false);
});

test('a Redis that stops answering mid-connection (CLIENT PAUSE) fails within the command timeout, then recovers', async (t) => {
  const redis = await ownRedis(t);
  if (!redis) return;
  const store = redisStore(t, redis.url);
  await untilHealthy(store);
  const admin = createClient({ url: redis.url }).on('error', () => undefined);
  await admin.connect();
  t.after(() => admin.close());
  await admin.sendCommand(['CLIENT', 'PAUSE', '2500', 'ALL']);
  const started = Date.now();
  await assert.rejects(store.ledger.claim('token', 'paused', 'o', 10_000), StoreUnavailableError);
  const took = Date.now() - started;
  assert.ok(took >= 800 && took < 2000, `failed after ${took} ms (command timeout 1000 ms)`);
  await new Promise((r) => setTimeout(r, 2000));
  // The timed-out SET may still have run once Redis resumed: a claim then stays 'busy' until its TTL.
  assert.ok(['claimed', 'busy'].includes(await store.ledger.claim('token', 'paused', 'o', 10_000)));
  assert.equal(await store.ledger.claim('token', 'after', 'o', 10_000), 'claimed', 'answers again after the pause');
});

test('createStore: SQLite in DATA_DIR without REDIS_URL, Redis with it', async (t) => {
  const { stat } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const dataDir = await tempDir(t, 'store');
  const store = await createStore({ DATA_DIR: join(dataDir, 'nested') }, systemClock);
  t.after(() => store.close());
  assert.equal(store.kind, 'sqlite');
  assert.equal((await store.health()).ok, true);
  assert.ok((await stat(join(dataDir, 'nested', 'plus-relay.sqlite'))).isFile(), 'the database file is created in DATA_DIR');
  const redis = await createStore({ DATA_DIR: dataDir, REDIS_URL: 'redis://127.0.0.1:1' }, systemClock);
  t.after(() => redis.close());
  assert.equal(redis.kind, 'redis');
});
