// One inventory, two backends: what the policy and the admin API rely on, checked against real SQLite and real
// Redis, each through two handles on the same state (two processes on one file, two instances on one Redis).
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { createRedisStore } from '../../src/store/redis/index.js';
import { INVENTORY_LIMITS, InventoryFull, type AliasUse, type Inventory, type InventoryLimits } from '../../src/store/inventory.js';
import type { Store } from '../../src/store/types.js';
import { sharedRedis, untilHealthy } from '../helpers/redis.js';
import { testClock } from '../helpers/build.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const T0 = Date.UTC(2026, 10, 1);
const HOUR = 3600_000;

type Open = (t: TestContext, limits?: InventoryLimits) => Promise<[Inventory, Inventory] | null>;

const backends: Record<string, Open> = {
  async sqlite(t, limits) {
    const dataDir = await mkdtemp(join(tmpdir(), 'plus-relay-inventory-'));
    const open = () => createSqliteStore({ location: { dataDir }, clock: testClock(), pruneEveryMs: 50, ...(limits ? { inventoryLimits: limits } : {}) });
    const stores: Store[] = [open(), open()];
    t.after(async () => {
      for (const s of stores) await s.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    return [stores[0]!.inventory, stores[1]!.inventory];
  },
  async redis(t, limits) {
    const url = await sharedRedis(t);
    if (!url) return null;
    const namespace = `plus-relay-test-${randomUUID()}`;
    const open = () => createRedisStore({ url, namespace, ...(limits ? { inventoryLimits: limits } : {}) });
    const stores: Store[] = [open(), open()];
    t.after(async () => {
      for (const s of stores) await s.close();
    });
    for (const s of stores) await untilHealthy(s);
    return [stores[0]!.inventory, stores[1]!.inventory];
  },
};

const use = (address: string, at: number, outcome: AliasUse['outcome'], senderDomain: string | null, newSender = false): AliasUse => ({
  address,
  at,
  outcome,
  senderDomain,
  newSender,
});

for (const [name, open] of Object.entries(backends)) {
  describe(`inventory on ${name}`, () => {
    test('an alias is unknown until mail to it is forwarded; refused mail alone does not make it known', async (t) => {
      const pair = await open(t);
      if (!pair) return;
      const [a, b] = pair;
      assert.deepEqual(await a.facts('github@d.example', 'github.com'), { known: false, blocked: false, firstSeen: null, senderSeen: false });
      await a.record(use('github@d.example', T0, 'refused', 'github.com'));
      assert.deepEqual(await b.facts('github@d.example', 'github.com'), { known: false, blocked: false, firstSeen: T0, senderSeen: true });
      await b.record(use('github@d.example', T0 + HOUR, 'forwarded', 'github.com'));
      await a.record(use('github@d.example', T0 + 2 * HOUR, 'forwarded', 'spam.example', true));
      assert.deepEqual(await a.facts('github@d.example', 'other.example'), { known: true, blocked: false, firstSeen: T0, senderSeen: false });
      const [entry] = await b.list({ address: 'github@d.example', limit: 10 });
      assert.deepEqual(entry, {
        address: 'github@d.example',
        firstSeen: T0,
        lastSeen: T0 + 2 * HOUR,
        added: null,
        forwarded: 2,
        refused: 1,
        blocked: false,
        senders: [
          { domain: 'github.com', count: 2, firstSeen: T0, lastSeen: T0 + HOUR, new: false },
          { domain: 'spam.example', count: 1, firstSeen: T0 + 2 * HOUR, lastSeen: T0 + 2 * HOUR, new: true },
        ],
      });
    });

    test('a message without a sender domain counts for the alias only', async (t) => {
      const pair = await open(t);
      if (!pair) return;
      const [a] = pair;
      await a.record(use('x@d.example', T0, 'forwarded', null));
      const [entry] = await a.list({ address: 'x@d.example', limit: 1 });
      assert.equal(entry?.forwarded, 1);
      assert.deepEqual(entry?.senders, []);
    });

    test('add makes an alias known ahead of its first message, once', async (t) => {
      const pair = await open(t);
      if (!pair) return;
      const [a, b] = pair;
      const added = await a.add('new@d.example', T0);
      assert.deepEqual(added, { address: 'new@d.example', firstSeen: null, lastSeen: null, added: T0, forwarded: 0, refused: 0, blocked: false, senders: [] });
      assert.deepEqual(await b.facts('new@d.example', null), { known: true, blocked: false, firstSeen: null, senderSeen: false });
      assert.equal((await b.add('new@d.example', T0 + HOUR)).added, T0, 'adding again keeps the first time');
      await b.record(use('new@d.example', T0 + 2 * HOUR, 'forwarded', 'shop.example'));
      assert.equal((await a.facts('new@d.example', 'shop.example')).firstSeen, T0 + 2 * HOUR, 'firstSeen is its first message');
    });

    test('block and unblock are seen by the other handle at once; an address can be blocked before it is mailed', async (t) => {
      const pair = await open(t);
      if (!pair) return;
      const [a, b] = pair;
      await a.record(use('shop@d.example', T0, 'forwarded', 'shop.example'));
      assert.equal((await a.setBlocked('shop@d.example', true, T0 + 1)).blocked, true);
      assert.equal((await b.facts('shop@d.example', 'shop.example')).blocked, true);
      assert.equal((await b.setBlocked('never@d.example', true, T0 + 2)).blocked, true);
      assert.equal((await a.facts('never@d.example', null)).blocked, true);
      assert.equal(await a.blockedCount(), 2);
      await a.setBlocked('shop@d.example', false, T0 + 3);
      assert.equal((await b.facts('shop@d.example', null)).blocked, false);
      assert.equal(await b.blockedCount(), 1);
      assert.equal((await b.setBlocked('ghost@d.example', false, T0 + 4)).blocked, false);
      assert.deepEqual(await a.list({ address: 'ghost@d.example', limit: 1 }), [], 'unblocking an unknown address stores nothing');
    });

    test('most recent first, with a limit and an address filter', async (t) => {
      const pair = await open(t);
      if (!pair) return;
      const [a, b] = pair;
      await a.record(use('one@d.example', T0, 'forwarded', 'a.example'));
      await b.record(use('two@d.example', T0 + 2 * HOUR, 'forwarded', 'b.example'));
      await a.add('three@d.example', T0 + HOUR);
      await b.record(use('one@d.example', T0 + 3 * HOUR, 'refused', 'a.example'));
      assert.deepEqual((await a.list({ limit: 10 })).map((e) => e.address), ['one@d.example', 'two@d.example', 'three@d.example']);
      assert.deepEqual((await b.list({ limit: 2 })).map((e) => e.address), ['one@d.example', 'two@d.example']);
      assert.deepEqual((await b.list({ address: 'two@d.example', limit: 10 })).map((e) => e.address), ['two@d.example']);
      assert.deepEqual(await b.list({ address: 'none@d.example', limit: 10 }), []);
    });

    test('pages: offset skips that many of the order; aliases mailed at one time neither repeat nor go missing across pages', async (t) => {
      const pair = await open(t);
      if (!pair) return;
      const [a, b] = pair;
      const names = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((n) => `${n}@d.example`);
      for (const [i, address] of names.entries()) await a.record(use(address, T0 + Math.floor(i / 3) * HOUR, 'forwarded', 'a.example'));
      const pages = [];
      for (let offset = 0; offset < names.length + 3; offset += 3) pages.push((await b.list({ limit: 3, offset })).map((e) => e.address));
      assert.deepEqual(pages, [['p6@d.example', 'p5@d.example', 'p4@d.example'], ['p3@d.example', 'p2@d.example', 'p1@d.example'], ['p0@d.example'], []]);
      assert.deepEqual(await a.list({ limit: 10, offset: 0 }), await a.list({ limit: 10 }), 'no offset is offset 0');
    });

    test('bounded: sender domains per alias, aliases in all, and refused-only aliases give way first', async (t) => {
      const pair = await open(t, { maxAliases: 3, maxSendersPerAlias: 2, transientTtlMs: INVENTORY_LIMITS.transientTtlMs });
      if (!pair) return;
      const [a, b] = pair;
      for (const [i, domain] of ['one.example', 'two.example', 'three.example', 'four.example'].entries()) {
        await a.record(use('svc@d.example', T0 + i, 'forwarded', domain, i > 0));
      }
      const [svc] = await b.list({ address: 'svc@d.example', limit: 1 });
      assert.equal(svc?.forwarded, 4, 'every message counts');
      assert.deepEqual(svc?.senders.map((s) => s.domain), ['one.example', 'two.example'], 'only the first two domains are stored');
      assert.equal((await a.facts('svc@d.example', 'four.example')).senderSeen, false, 'a domain not stored stays new');

      // A flood of refused mail to random addresses fills the free places, then is not recorded at all.
      for (let i = 0; i < 5; i++) await b.record(use(`random${i}@d.example`, T0 + 10 + i, 'refused', 'flood.example'));
      assert.deepEqual((await a.list({ limit: 10 })).map((e) => e.address), ['random1@d.example', 'random0@d.example', 'svc@d.example']);
      // Mail forwarded to a new alias, and the operator's add, take the places of the oldest refused-only aliases.
      await a.record(use('real@d.example', T0 + 20, 'forwarded', 'real.example'));
      await b.add('planned@d.example', T0 + 21);
      assert.deepEqual((await a.list({ limit: 10 })).map((e) => e.address), ['planned@d.example', 'real@d.example', 'svc@d.example']);
      // Full of aliases in real use: a new one is not recorded, and the operator is told.
      await a.record(use('late@d.example', T0 + 30, 'forwarded', 'late.example'));
      assert.deepEqual(await a.list({ address: 'late@d.example', limit: 1 }), []);
      await assert.rejects(b.add('another@d.example', T0 + 31), InventoryFull);
      await assert.rejects(b.setBlocked('another@d.example', true, T0 + 31), InventoryFull);
      assert.equal((await b.setBlocked('real@d.example', true, T0 + 32)).blocked, true, 'blocking an existing alias needs no room');
    });

    test('an alias that only ever received refused mail is forgotten after transientTtlMs; one in use is not', async (t) => {
      const ttl = 400;
      const pair = await open(t, { maxAliases: 100, maxSendersPerAlias: 8, transientTtlMs: ttl });
      if (!pair) return;
      const [a, b] = pair;
      const now = Date.now();
      await a.record(use('junk@d.example', now, 'refused', 'flood.example'));
      await a.record(use('kept@d.example', now, 'refused', 'shop.example'));
      await a.record(use('kept@d.example', now, 'forwarded', 'shop.example'));
      await b.setBlocked('blocked@d.example', true, now);
      await b.record(use('blocked@d.example', now, 'refused', 'shop.example'));
      await sleep(ttl + 600);
      // Redis prunes as it records; SQLite on its timer (every 50 ms here). Either way the alias is gone.
      await b.record(use('later@d.example', Date.now(), 'forwarded', 'shop.example'));
      const left = (await a.list({ limit: 10 })).map((e) => e.address).sort();
      assert.deepEqual(left, ['blocked@d.example', 'kept@d.example', 'later@d.example']);
      assert.equal((await b.facts('junk@d.example', 'flood.example')).firstSeen, null);
    });
  });
}

test('redis: the inventory survives an emptied script cache (a Redis restart) by loading its scripts again', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const store = createRedisStore({ url, namespace: `plus-relay-test-${randomUUID()}` });
  t.after(() => store.close());
  await untilHealthy(store);
  await store.inventory.record(use('a@d.example', T0, 'forwarded', 'x.example'));
  const { createClient } = await import('redis');
  const raw = createClient({ url }).on('error', () => undefined);
  await raw.connect();
  t.after(() => raw.close());
  await raw.scriptFlush();
  await store.inventory.record(use('a@d.example', T0 + 1, 'forwarded', 'x.example'));
  assert.equal((await store.inventory.facts('a@d.example', 'x.example')).senderSeen, true);
  assert.equal((await store.inventory.list({ limit: 1 }))[0]?.forwarded, 2);
});
