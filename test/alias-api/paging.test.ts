// GET pages as addy.io pages, and the work of a GET or a DELETE does not grow with the inventory: counted in the
// entries the store hands over, on 10,000 learned aliases, on SQLite and on Redis.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createAlias, created, deleteAlias, listAliases, listeningRelay, API_TOKEN, ONE_USER_RULES, LIFTED_LIMITS } from '../helpers/alias-api.js';
import { redisStore, sharedRedis, untilHealthy } from '../helpers/redis.js';
import { testClock } from '../helpers/build.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Inventory } from '../../src/store/inventory.js';
import type { Store } from '../../src/store/types.js';


/** The store with its inventory counted: every call, and every alias entry a call hands back. */
function counted(store: Store) {
  const count = { calls: 0, entries: 0 };
  const entriesIn = (value: unknown): number => {
    if (Array.isArray(value)) return value.length;
    if (value !== null && typeof value === 'object' && 'entries' in value && Array.isArray(value.entries)) return value.entries.length;
    if (value !== null && typeof value === 'object' && 'entry' in value) return 1;
    return value !== null && typeof value === 'object' && 'address' in value ? 1 : 0;
  };
  const inventory = new Proxy(store.inventory, {
    get(target, name, receiver) {
      const member: unknown = Reflect.get(target, name, receiver);
      if (typeof member !== 'function') return member;
      return async (...args: unknown[]) => {
        const result: unknown = await (member as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        count.calls++;
        count.entries += entriesIn(result);
        return result;
      };
    },
  }) as Inventory;
  return { store: { ...store, inventory } as Store, count };
}

/** 10,000 learned aliases (forwarded mail to each): the inventory's learned part full. */
async function learnTenThousand(store: Store, now: number): Promise<void> {
  for (let i = 0; i < 10_000; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => store.inventory.record({ address: `learned${i + j}@destroy.systems`, at: now, outcome: 'forwarded', senderDomain: 'shop.example', newSender: false })));
  }
}

async function costPerRequest(t: TestContext, store: Store) {
  const clock = testClock();
  await learnTenThousand(store, clock.now());
  const { store: watched, count } = counted(store);
  const relay = await listeningRelay(t, { env: { ALIAS_API_TOKEN: API_TOKEN }, rules: ONE_USER_RULES, store: watched, clock, app: { aliasApiLimits: LIFTED_LIMITS } });
  const made = [];
  for (let i = 0; i < 3; i++) made.push(await created(relay.url, API_TOKEN, `site${i}.example`));
  const size = (await store.inventory.size()).learned;
  assert.equal(size, 10_000, 'the learned part is full');

  count.calls = count.entries = 0;
  const page = await listAliases(relay.url, API_TOKEN, '?page[size]=2');
  assert.equal(page.data.length, 2);
  assert.ok(count.calls <= 1 && count.entries <= 2, `GET: ${count.calls} calls, ${count.entries} entries read`);

  count.calls = count.entries = 0;
  assert.equal((await deleteAlias(relay.url, API_TOKEN, made[1]?.id ?? '')).status, 204);
  assert.ok(count.calls <= 1 && count.entries <= 1, `DELETE: ${count.calls} calls, ${count.entries} entries read`);
  count.calls = count.entries = 0;
  assert.equal((await deleteAlias(relay.url, API_TOKEN, '00000000-0000-8000-8000-000000000000')).status, 404);
  assert.ok(count.calls <= 1 && count.entries === 0, `DELETE of no alias: ${count.calls} calls, ${count.entries} entries`);
}

test('SQLite: a GET reads one page of the token\'s aliases and a DELETE one entry, with 10,000 learned aliases beside them', async (t) => {
  const store = createSqliteStore({ location: ':memory:', clock: testClock() });
  t.after(() => store.close());
  await costPerRequest(t, store);
});

test('Redis: the same', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const store = redisStore(t, url);
  await untilHealthy(store);
  await costPerRequest(t, store);
});

test("GET pages as addy.io does: page[size] and page[number], newest first, with links and meta", async (t) => {
  const relay = await listeningRelay(t, { env: { ALIAS_API_TOKEN: API_TOKEN }, rules: ONE_USER_RULES, app: { aliasApiLimits: LIFTED_LIMITS } });
  for (let i = 1; i <= 5; i++) {
    await created(relay.url, API_TOKEN, `site${i}.example`);
    relay.clock.offsetMs += 1000;
  }
  const first = await listAliases(relay.url, API_TOKEN, '?page%5Bsize%5D=2');
  assert.deepEqual(first.data.map((a) => a.email), ['site5@destroy.systems', 'site4@destroy.systems']);
  const path = `${relay.url}/api/v1/aliases`;
  const at = (n: number) => `${path}?page%5Bsize%5D=2&page%5Bnumber%5D=${n}`;
  assert.deepEqual(first.links, { first: at(1), last: at(3), prev: null, next: at(2) });
  assert.deepEqual(first.meta, { current_page: 1, from: 1, last_page: 3, path, per_page: 2, to: 2, total: 5 });

  const last = await listAliases(relay.url, API_TOKEN, '?page[size]=2&page[number]=3');
  assert.deepEqual(last.data.map((a) => a.email), ['site1@destroy.systems']);
  assert.deepEqual([last.links.prev, last.links.next, last.meta.from, last.meta.to], [at(2), null, 5, 5]);
  // Following `next` walks every alias once.
  const seen: string[] = [];
  for (let next: string | null = first.links.first; next !== null; ) {
    const page = (await (await fetch(next, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json()) as typeof first;
    seen.push(...page.data.map((a) => a.email));
    next = page.links.next;
  }
  assert.equal(new Set(seen).size, 5);
  assert.equal(seen.length, 5);

  // Without page[size]: addy.io's 100. Out of range: 422, as addy.io answers a bad parameter.
  assert.equal((await listAliases(relay.url, API_TOKEN)).meta.per_page, 100);
  assert.deepEqual((await listAliases(relay.url, API_TOKEN, '?page[number]=9')).data, []);
  for (const bad of ['page[size]=0', 'page[size]=101', 'page[size]=-1', 'page[number]=0', 'page[size]=x', 'page[size]=1&page[size]=2']) {
    const res = await fetch(`${relay.url}/api/v1/aliases?${bad}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(res.status, 422, bad);
  }
  assert.equal((await createAlias(relay.url, API_TOKEN, 'after.example')).status, 201);
});
