import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { StoreUnavailableError } from '../../src/store/types.js';
import { createStore } from '../../src/store/index.js';
import { systemClock } from '../../src/clock.js';
import { ownRedis, redisStore, sharedRedis, untilHealthy } from '../helpers/redis.js';

test('claims: SET NX across two clients; busy, used, and release only by the owner', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const ns = `plus-relay-test-${Date.now()}-${Math.random()}`;
  const a = redisStore(t, url, ns);
  const b = redisStore(t, url, ns);
  await untilHealthy(a);
  await untilHealthy(b);
  assert.equal(await a.claimToken('tok', 'A', 10_000), 'claimed');
  assert.equal(await b.claimToken('tok', 'B', 10_000), 'busy');
  await b.releaseToken('tok', 'B');
  assert.equal(await b.claimToken('tok', 'B', 10_000), 'busy', 'a release by another owner leaves the claim');
  await a.releaseToken('tok', 'A');
  assert.equal(await b.claimToken('tok', 'B', 10_000), 'claimed', 'released by its owner: claimable again');
  await b.completeToken('tok', 10_000);
  assert.equal(await a.claimToken('tok', 'A', 10_000), 'used');
  await a.releaseToken('tok', 'A');
  assert.equal(await a.claimToken('tok', 'A', 10_000), 'used', 'a completed token cannot be released');
});

test('claims expire (a holder that died); delivered keys are namespaced, hashed and expire', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const ns = `plus-relay-test-${Date.now()}-${Math.random()}`;
  const store = redisStore(t, url, ns);
  await untilHealthy(store);
  // Connected before the short TTLs start: a new client takes 50-150 ms to connect (more on Node 24), which
  // let the claim below expire before its key was listed.
  const raw = createClient({ url }).on('error', () => undefined);
  await raw.connect();
  t.after(() => raw.close());
  assert.equal(await store.claimToken('dead', 'A', 150), 'claimed');
  assert.equal(await store.claimToken('dead', 'B', 150), 'busy');
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(await store.claimToken('dead', 'B', 10_000), 'claimed', 'the TTL frees a claim whose holder died');

  const longKey = `id:<${'x'.repeat(5000)}@example.net>\nme+github@gmail.com`;
  assert.equal(await store.claimDelivery(longKey, 'A', 10_000), 'claimed');
  assert.equal(await store.claimDelivery(longKey, 'B', 10_000), 'busy', 'another copy is sending it');
  await store.releaseDelivery(longKey, 'B');
  assert.equal(await store.claimDelivery(longKey, 'B', 10_000), 'busy', 'only the owner releases');
  await store.markDelivered(longKey, 300);
  assert.equal(await store.claimDelivery(longKey, 'B', 10_000), 'used');
  const keys = (await raw.keys(`${ns}:*`)).sort();
  assert.equal(keys.length, 2, keys.join(' '));
  assert.match(keys[0] ?? '', new RegExp(`^${ns}:delivered:[0-9a-f]{64}$`));
  assert.equal(keys[1], `${ns}:token:dead`);
  const ttl = await raw.pTTL(keys[0] ?? '');
  assert.ok(ttl > 0 && ttl <= 300, `delivered key has a TTL (${ttl})`);
  await new Promise((r) => setTimeout(r, 350));
  assert.equal(await store.claimDelivery(longKey, 'C', 10_000), 'claimed', 'forgotten after its TTL');
});

test('Redis down: every method fails fast with StoreUnavailableError, health says so; back up: it reconnects', async (t) => {
  const redis = await ownRedis(t);
  if (!redis) return;
  const store = redisStore(t, redis.url);
  await untilHealthy(store);
  await redis.kill();
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['claimToken', () => store.claimToken('t', 'o', 1000)],
    ['completeToken', () => store.completeToken('t', 1000)],
    ['releaseToken', () => store.releaseToken('t', 'o')],
    ['claimDelivery', () => store.claimDelivery('k', 'o', 1000)],
    ['releaseDelivery', () => store.releaseDelivery('k', 'o')],
    ['markDelivered', () => store.markDelivered('k', 1000)],
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
  assert.equal(await store.claimToken('t', 'o', 1000), 'claimed');
  assert.equal(await store.claimDelivery('k', 'o', 1000), 'used', 'the mark that failed while Redis was down was written when it came back');
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
  const store = createStore({ REDIS_URL: `redis://127.0.0.1:${port}` }, systemClock);
  t.after(() => store.close());
  assert.equal(store.kind, 'redis');
  const started = Date.now();
  await assert.rejects(store.claimToken('t', 'o', 1000), StoreUnavailableError);
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
  await assert.rejects(store.claimToken('paused', 'o', 10_000), StoreUnavailableError);
  const took = Date.now() - started;
  assert.ok(took >= 800 && took < 2000, `failed after ${took} ms (command timeout 1000 ms)`);
  await new Promise((r) => setTimeout(r, 2000));
  // The timed-out SET may still have run once Redis resumed: a claim then stays 'busy' until its TTL.
  assert.ok(['claimed', 'busy'].includes(await store.claimToken('paused', 'o', 10_000)));
  assert.equal(await store.claimToken('after', 'o', 10_000), 'claimed', 'answers again after the pause');
});

test('createStore: memory without REDIS_URL', async () => {
  const store = createStore({}, systemClock);
  assert.equal(store.kind, 'memory');
  assert.equal((await store.health()).ok, true);
});
