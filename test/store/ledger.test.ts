// One ledger, two backends: every behaviour the delivery relies on, checked against real SQLite and real Redis.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import type { Ledger } from '../../src/store/types.js';
import { redisStore, sharedRedis, untilHealthy } from '../helpers/redis.js';
import { backends } from '../helpers/stores.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const [name, backend] of Object.entries(backends)) {
  describe(`ledger on ${name}`, () => {
    test('claim is exclusive across handles; busy, used, and release only by the owner', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const [a, b]: [Ledger, Ledger] = [pair[0].ledger, pair[1].ledger];
      assert.equal(await a.claim('token', 'tok', 'A', 10_000), 'claimed');
      assert.equal(await b.claim('token', 'tok', 'B', 10_000), 'busy');
      await b.release('token', 'tok', 'B');
      assert.equal(await b.claim('token', 'tok', 'B', 10_000), 'busy', 'a release by another owner leaves the claim');
      await a.release('token', 'tok', 'A');
      assert.equal(await b.claim('token', 'tok', 'B', 10_000), 'claimed', 'released by its owner: claimable again');
      await b.complete('token', 'tok', 10_000);
      assert.equal(await a.claim('token', 'tok', 'A', 10_000), 'used');
      await a.release('token', 'tok', 'A');
      assert.equal(await a.claim('token', 'tok', 'A', 10_000), 'used', 'a completed key cannot be released');
    });

    test('spaces are separate: the same key as a token and as a delivery', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const ledger = pair[0].ledger;
      await ledger.complete('token', 'same', 10_000);
      assert.equal(await ledger.claim('delivery', 'same', 'A', 10_000), 'claimed');
      assert.equal(await ledger.claim('token', 'same', 'A', 10_000), 'used');
    });

    test('a signature token is bound to the endpoint that used it first, across handles, until its binding expires', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const [a, b]: [Ledger, Ledger] = [pair[0].ledger, pair[1].ledger];
      assert.equal(await a.bind('tok', 'inbound', 300), true);
      assert.equal(await b.bind('tok', 'inbound', 300), true, 'the same endpoint again (a retry): still its own');
      assert.equal(await b.bind('tok', 'events', 300), false, 'another endpoint: refused');
      assert.equal(await a.claim('token', 'tok', 'A', 10_000), 'claimed', 'the binding is no claim');
      assert.equal(await a.bind('other', 'events', 300), true);
      await sleep(400);
      assert.equal(await b.bind('tok', 'events', 300), true, 'expired: free again');
    });

    test('claims expire (a holder that died); completed keys expire; long keys are fine', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const ledger = pair[0].ledger;
      assert.equal(await ledger.claim('token', 'dead', 'A', 150), 'claimed');
      assert.equal(await ledger.claim('token', 'dead', 'B', 150), 'busy');
      await sleep(300);
      assert.equal(await ledger.claim('token', 'dead', 'B', 150), 'claimed', 'the TTL frees a claim whose holder died');

      const longKey = `<${'x'.repeat(5000)}@example.net>\n${'f'.repeat(64)}\nme+github@gmail.com`;
      assert.equal(await ledger.claim('delivery', longKey, 'A', 10_000), 'claimed');
      await ledger.complete('delivery', longKey, 300);
      assert.equal(await ledger.claim('delivery', longKey, 'B', 10_000), 'used');
      await sleep(450);
      assert.equal(await ledger.claim('delivery', longKey, 'C', 10_000), 'claimed', 'forgotten after its TTL');
    });

    test("a delivery's claims in one write: the token first, its pairs only once the token is ours", async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const [a, b]: [Ledger, Ledger] = [pair[0].ledger, pair[1].ledger];
      await a.complete('delivery', 'sent', 10_000);
      assert.equal(await b.claim('delivery', 'in-flight', 'B', 10_000), 'claimed');
      assert.deepEqual(await a.claimDelivery('tok', ['sent', 'in-flight', 'new'], 'A', 10_000), { token: 'claimed', pairs: ['used', 'busy', 'claimed'] });
      assert.equal(await b.claim('token', 'tok', 'B', 10_000), 'busy', 'the token is claimed as claim() would');
      assert.equal(await b.claim('delivery', 'new', 'B', 10_000), 'busy', 'and so is the free pair');

      // The same delivery again (a replay, a copy in flight): its pairs are not touched.
      assert.deepEqual(await b.claimDelivery('tok', ['other'], 'B', 10_000), { token: 'busy', pairs: [] });
      await a.complete('token', 'tok', 10_000);
      assert.deepEqual(await b.claimDelivery('tok', ['other'], 'B', 10_000), { token: 'used', pairs: [] });
      assert.equal(await a.claim('delivery', 'other', 'A', 10_000), 'claimed', 'a pair of a replayed token stays free');
      // A released token and pair are free again; only their owner's release counts.
      await b.release('delivery', 'new', 'B');
      await a.release('delivery', 'new', 'A');
      assert.deepEqual(await b.claimDelivery('tok2', ['new'], 'B', 10_000), { token: 'claimed', pairs: ['claimed'] });
    });

    test("a delivery's claims whose holder died expire together; done keys stay done", async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const ledger = pair[0].ledger;
      assert.deepEqual(await ledger.claimDelivery('tok', ['one', 'two'], 'dead', 150), { token: 'claimed', pairs: ['claimed', 'claimed'] });
      await ledger.complete('delivery', 'one', 10_000);
      await sleep(300);
      assert.deepEqual(await ledger.claimDelivery('tok', ['one', 'two'], 'retry', 10_000), { token: 'claimed', pairs: ['used', 'claimed'] });
    });

    test('concurrent claims of one key: exactly one wins', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? pair[0] : pair[1]).ledger.claim('delivery', 'race', `owner-${i}`, 10_000)),
      );
      assert.equal(results.filter((r) => r === 'claimed').length, 1, results.join(' '));
      assert.equal(results.filter((r) => r === 'busy').length, 19);
    });
  });
}

test('redis: keys are namespaced and hashed, with a TTL', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const ns = `plus-relay-test-${Date.now()}-${Math.random()}`;
  const store = redisStore(t, url, ns);
  await untilHealthy(store);
  await store.ledger.claim('token', 'tok', 'A', 10_000);
  await store.ledger.complete('delivery', `<id@example.net>\nme+github@gmail.com`, 5000);
  const raw = createClient({ url }).on('error', () => undefined);
  await raw.connect();
  t.after(() => raw.close());
  const keys = (await raw.keys(`${ns}:*`)).sort();
  assert.equal(keys.length, 2, keys.join(' '));
  assert.match(keys[0] ?? '', new RegExp(`^${ns}:delivery:[0-9a-f]{64}$`));
  assert.match(keys[1] ?? '', new RegExp(`^${ns}:token:[0-9a-f]{64}$`));
  const ttl = await raw.pTTL(keys[0] ?? '');
  assert.ok(ttl > 0 && ttl <= 5000, `delivery key has a TTL (${ttl})`);
});
