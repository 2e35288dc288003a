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
import { INVENTORY_LIMITS, InventoryFull, type Inventory, type InventoryLimits } from '../../src/store/inventory.js';
import type { Store } from '../../src/store/types.js';
import { sharedRedis, untilHealthy } from '../helpers/redis.js';
import { testClock } from '../helpers/build.js';
import { use } from '../helpers/alias-use.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Recent: SQLite prunes on a timer (every 50 ms here) by the real clock, and a fixed date more than
// transientTtlMs ago had refused-only aliases pruned in the middle of a test.
const T0 = Date.now() - 24 * 3600_000;
const HOUR = 3600_000;

type Open = (t: TestContext, limits?: InventoryLimits) => Promise<[Inventory, Inventory] | null>;

const backends: Record<string, Open> = {
  // Two processes on one file, each message's counts written with its own commit (countsFlushMs 0), so that either
  // sees the other's at once; counts kept in memory for a while (the default) have their own tests (inventory-counts).
  async sqlite(t, limits) {
    const dataDir = await mkdtemp(join(tmpdir(), 'plus-relay-inventory-'));
    const open = () => createSqliteStore({ location: { dataDir }, clock: testClock(), pruneEveryMs: 50, countsFlushMs: 0, ...(limits ? { inventoryLimits: limits } : {}) });
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

    test('bounded: sender domains per alias; learned aliases give way, least recently mailed first, never an operator entry', async (t) => {
      const pair = await open(t, { ...INVENTORY_LIMITS, maxLearnedAliases: 3, maxOperatorAliases: 2, maxSendersPerAlias: 2 });
      if (!pair) return;
      const [a, b] = pair;
      const addresses = async () => (await a.list({ limit: 10 })).map((e) => e.address);
      for (const [i, domain] of ['one.example', 'two.example', 'three.example', 'four.example'].entries()) {
        await a.record(use('svc@d.example', T0 + i, 'forwarded', domain, i > 0));
      }
      const [svc] = await b.list({ address: 'svc@d.example', limit: 1 });
      assert.equal(svc?.forwarded, 4, 'every message counts');
      assert.deepEqual(svc?.senders.map((s) => s.domain), ['one.example', 'two.example'], 'only the first two domains are stored');
      assert.equal((await a.facts('svc@d.example', 'four.example')).senderSeen, false, 'a domain not stored stays new');

      // A flood of refused mail to random addresses fills the free places, then is not recorded at all.
      for (let i = 0; i < 5; i++) await b.record(use(`random${i}@d.example`, T0 + 10 + i, 'refused', 'flood.example'));
      assert.deepEqual(await addresses(), ['random1@d.example', 'random0@d.example', 'svc@d.example']);
      // Mail forwarded to a new alias takes the place of the oldest refused-only alias; the operator's add takes none.
      await a.record(use('real@d.example', T0 + 20, 'forwarded', 'real.example'));
      await b.add('planned@d.example', T0 + 21);
      assert.deepEqual(await addresses(), ['planned@d.example', 'real@d.example', 'random1@d.example', 'svc@d.example']);

      // A flood that is forwarded (new_aliases: accept): each new alias takes the place of the least recently
      // mailed learned one, refused-only first, then single-message ones (real@, then the flood's own): svc@, with
      // four messages, outlives them all; the operator's entry stays.
      for (let i = 0; i < 5; i++) await b.record(use(`flood${i}@d.example`, T0 + 30 + i, 'forwarded', 'flood.example'));
      assert.deepEqual(await addresses(), ['flood4@d.example', 'flood3@d.example', 'planned@d.example', 'svc@d.example']);
      assert.equal((await a.facts('flood4@d.example', null)).firstSeen, T0 + 34, 'the newest alias is recorded: its learning period runs');
      // Blocks and adds never compete with the flood: they fail only past the operator's own cap.
      assert.equal((await a.setBlocked('another@d.example', true, T0 + 40)).blocked, true);
      assert.equal((await b.setBlocked('planned@d.example', true, T0 + 41)).blocked, true, 'an operator entry needs no new place');
      await assert.rejects(b.add('third@d.example', T0 + 42), InventoryFull);
      await assert.rejects(b.setBlocked('flood4@d.example', true, T0 + 42), InventoryFull);
      assert.deepEqual(await b.size(), { learned: 3, learnedMax: 3, operator: 2, operatorMax: 2, imported: 0, importedMax: 5_000, added: 1, blocked: 2 });
      // Unblocking an address never mailed forgets it, which frees its place; an unblocked learned alias is learned again.
      await b.setBlocked('another@d.example', false, T0 + 43);
      assert.deepEqual(await a.list({ address: 'another@d.example', limit: 1 }), []);
      assert.equal((await a.setBlocked('flood4@d.example', true, T0 + 44)).blocked, true);
      assert.deepEqual(await a.size(), { learned: 2, learnedMax: 3, operator: 2, operatorMax: 2, imported: 0, importedMax: 5_000, added: 1, blocked: 2 });
      await b.setBlocked('flood4@d.example', false, T0 + 45);
      assert.deepEqual(await a.size(), { learned: 3, learnedMax: 3, operator: 1, operatorMax: 2, imported: 0, importedMax: 5_000, added: 1, blocked: 1 });
      assert.equal((await a.facts('flood4@d.example', null)).known, true, 'it keeps what it learned');
    });

    test('an alias with two forwards from an authenticated sender never gives way to a flood, and keeps its senders and first-seen date', async (t) => {
      const pair = await open(t, { ...INVENTORY_LIMITS, maxLearnedAliases: 4 });
      if (!pair) return;
      const [a, b] = pair;
      const signed = (address: string, at: number, domain: string) => ({ ...use(address, at, 'forwarded', domain), authenticated: true });
      await a.record(signed('bank@d.example', T0, 'bank.example'));
      await a.record(signed('bank@d.example', T0 + 1, 'bank.example'));
      // Signed once, or twice unsigned: not kept, so these go when the flood needs places.
      await b.record(signed('once@d.example', T0 + 2, 'shop.example'));
      await b.record(use('twice@d.example', T0 + 3, 'forwarded', 'shop.example'));
      await b.record(use('twice@d.example', T0 + 4, 'forwarded', 'shop.example'));
      for (let i = 0; i < 20; i++) await (i % 2 ? a : b).record(use(`flood${i}@d.example`, T0 + 10 + i, 'forwarded', 'flood.example'));
      const left = async () => (await a.list({ limit: 10 })).map((e) => e.address);
      // The flood's single-message aliases take each other's places (and once@'s): twice@ outlives them.
      assert.deepEqual(await left(), ['flood19@d.example', 'flood18@d.example', 'twice@d.example', 'bank@d.example']);
      // Once no single-message alias is left, the least recently mailed one that is not kept goes: twice@, not bank@.
      for (const x of ['x', 'y', 'x', 'y', 'z']) await b.record(use(`${x}@d.example`, T0 + 40 + x.charCodeAt(0), 'forwarded', 'flood.example'));
      assert.deepEqual(await left(), ['z@d.example', 'y@d.example', 'x@d.example', 'bank@d.example']);
      const [bank] = await b.list({ address: 'bank@d.example', limit: 1 });
      assert.deepEqual([bank?.firstSeen, bank?.forwarded, bank?.senders.map((s) => s.domain)], [T0, 2, ['bank.example']]);
      assert.deepEqual(await a.facts('bank@d.example', 'bank.example'), { known: true, blocked: false, firstSeen: T0, senderSeen: true });
      assert.equal((await a.size()).learned, 4);
    });

    test('import makes a batch known at once, all or none, in a part of its own: the operator keeps its room', async (t) => {
      const pair = await open(t, { ...INVENTORY_LIMITS, maxLearnedAliases: 2, maxOperatorAliases: 1, maxImportedAliases: 3 });
      if (!pair) return;
      const [a, b] = pair;
      await a.record(use('learned@d.example', T0, 'forwarded', 'shop.example'));
      await b.add('planned@d.example', T0 + 1);
      assert.deepEqual(await a.importAliases(['learned@d.example', 'planned@d.example', 'one@d.example'], T0 + 2), { imported: 2, alreadyOperator: 1 });
      const facts = await b.facts('one@d.example', null);
      assert.deepEqual([facts.known, facts.firstSeen], [true, T0 + 2], 'known before its first message, and learning since the import');
      await a.record(use('one@d.example', T0 + 5, 'forwarded', 'shop.example'));
      assert.equal((await b.facts('one@d.example', null)).firstSeen, T0 + 2, 'its first message here does not restart its learning');
      assert.equal((await b.facts('learned@d.example', null)).firstSeen, T0, 'mailed before the import: learning since then');
      const [learned] = await b.list({ address: 'learned@d.example', limit: 1 });
      assert.deepEqual([learned?.firstSeen, learned?.senders.length, learned?.added], [T0, 1, T0 + 2], 'a learned alias keeps what it learned');
      await assert.rejects(b.importAliases(['two@d.example', 'three@d.example'], T0 + 3), InventoryFull, 'one place left: nothing of the two');
      assert.deepEqual(await a.list({ address: 'two@d.example', limit: 1 }), []);
      assert.deepEqual(await b.importAliases(['two@d.example'], T0 + 3), { imported: 1, alreadyOperator: 0 });
      // The flood gives way among learned aliases only; the operator's block still has its place.
      for (let i = 0; i < 4; i++) await a.record(use(`flood${i}@d.example`, T0 + 10 + i, 'forwarded', 'flood.example'));
      assert.equal((await b.setBlocked('one@d.example', true, T0 + 20)).blocked, true, 'an imported alias is blocked without a new place');
      await b.setBlocked('one@d.example', false, T0 + 21);
      assert.equal((await a.facts('one@d.example', null)).known, true, 'unblocked, it is still imported');
      assert.deepEqual(await a.size(), { learned: 2, learnedMax: 2, operator: 1, operatorMax: 1, imported: 3, importedMax: 3, added: 1, blocked: 0 });
    });

    test('add stores an optional description: kept when added again without one, replaced by a new one', async (t) => {
      const pair = await open(t);
      if (!pair) return;
      const [a, b] = pair;
      assert.equal((await a.add('plain@d.example', T0)).description, undefined, 'no description: no field');
      assert.equal((await a.add('shop@d.example', T0, 'Shop — Bestellungen')).description, 'Shop — Bestellungen');
      assert.equal((await b.add('shop@d.example', T0 + 1)).description, 'Shop — Bestellungen');
      await b.record(use('shop@d.example', T0 + 2, 'forwarded', 'shop.example'));
      assert.equal((await a.add('shop@d.example', T0 + 3, 'Shop (orders)')).description, 'Shop (orders)');
      const [entry] = await b.list({ address: 'shop@d.example', limit: 1 });
      assert.deepEqual([entry?.description, entry?.added, entry?.forwarded], ['Shop (orders)', T0, 1]);
    });

    test('an alias that only ever received refused mail is forgotten after transientTtlMs; one in use is not', async (t) => {
      const ttl = 400;
      const pair = await open(t, { maxLearnedAliases: 100, maxOperatorAliases: 100, maxImportedAliases: 100, maxSendersPerAlias: 8, transientTtlMs: ttl, learnedTtlMs: 60_000 });
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

    test('a learned alias is forgotten after learnedTtlMs unmailed; added and blocked ones never are', async (t) => {
      const pair = await open(t, { maxLearnedAliases: 100, maxOperatorAliases: 100, maxImportedAliases: 100, maxSendersPerAlias: 8, transientTtlMs: 200, learnedTtlMs: 400 });
      if (!pair) return;
      const [a, b] = pair;
      const now = Date.now();
      await a.record(use('old@d.example', now, 'forwarded', 'shop.example'));
      await a.add('planned@d.example', now);
      await a.record(use('planned@d.example', now, 'forwarded', 'shop.example'));
      await b.setBlocked('blocked@d.example', true, now);
      await b.record(use('blocked@d.example', now, 'refused', 'shop.example'));
      await sleep(1000);
      await b.record(use('later@d.example', Date.now(), 'forwarded', 'shop.example'));
      assert.deepEqual((await a.list({ limit: 10 })).map((e) => e.address).sort(), ['blocked@d.example', 'later@d.example', 'planned@d.example']);
      assert.equal((await b.facts('old@d.example', 'shop.example')).known, false);
      assert.deepEqual(await a.size(), { learned: 1, learnedMax: 100, operator: 2, operatorMax: 100, imported: 0, importedMax: 100, added: 1, blocked: 1 });
    });

    test("the alias API's aliases: claimed once, per user, apart from the learned and the operator's parts; forget removes any entry", async (t) => {
      const pair = await open(t, { ...INVENTORY_LIMITS, maxLearnedAliases: 2, maxOperatorAliases: 1 });
      if (!pair) return;
      const [a, b] = pair;
      const claim = (address: string, user: string, at = T0) => ({ address, id: `id-${address}`, user, at, description: `for ${address}`, maxPerUser: 2 });
      const github = await a.claimApiAlias(claim('github@d.example', 'you'));
      assert.equal(github.outcome, 'claimed');
      assert.deepEqual(github.outcome === 'claimed' && [github.entry.apiUser, github.entry.added, github.entry.description], ['you', T0, 'for github@d.example']);
      assert.deepEqual(await b.claimApiAlias(claim('github@d.example', 'max')), { outcome: 'taken' }, 'one name, one owner');
      await b.record(use('learned@d.example', T0, 'forwarded', 'shop.example'));
      assert.deepEqual(await a.claimApiAlias(claim('learned@d.example', 'you')), { outcome: 'taken' }, 'a learned alias is taken');
      assert.equal((await b.claimApiAlias(claim('shop@d.example', 'you', T0 + 1))).outcome, 'claimed');
      assert.deepEqual(await a.claimApiAlias(claim('third@d.example', 'you')), { outcome: 'full' });
      assert.equal((await a.claimApiAlias(claim('third@d.example', 'max'))).outcome, 'claimed', "another user's cap is their own");
      assert.equal((await b.facts('github@d.example', null)).known, true, 'known from the start: new_aliases: reject lets it through');

      // Mailed, it stays the API's: the learned part fills and gives way around it.
      await a.record(use('github@d.example', T0 + HOUR, 'forwarded', 'github.com'));
      for (const n of [1, 2, 3]) await b.record(use(`more${n}@d.example`, T0 + HOUR + n, 'forwarded', 'shop.example'));
      assert.deepEqual((await a.listApiAliases('you', 10, 0)).entries.map((e) => [e.address, e.forwarded]), [['shop@d.example', 0], ['github@d.example', 1]]);
      // The operator's one place, then a block of an API alias: it needs no place of theirs.
      await a.setBlocked('stranger@d.example', true, T0);
      await b.setBlocked('github@d.example', true, T0);
      await assert.rejects(a.setBlocked('other@d.example', true, T0), InventoryFull);
      assert.deepEqual(await b.size(), { learned: 2, learnedMax: 2, operator: 1, operatorMax: 1, imported: 0, importedMax: 5_000, added: 0, blocked: 2 });
      await a.setBlocked('github@d.example', false, T0);
      assert.equal((await b.listApiAliases('you', 1, 1)).entries[0]?.address, 'github@d.example', 'unblocked, still the API\'s');

      // A user's own, by id or address: another user's is not theirs to block.
      assert.equal(await a.blockApiAlias('max', { id: 'id-github@d.example' }, T0), null);
      assert.equal(await a.blockApiAlias('you', { address: 'third@d.example' }, T0), null);
      assert.equal((await b.blockApiAlias('you', { id: 'id-github@d.example' }, T0))?.blocked, true);
      assert.equal((await a.facts('github@d.example', null)).blocked, true);

      assert.equal(await a.forget('github@d.example'), true);
      assert.equal(await b.forget('github@d.example'), false);
      assert.deepEqual(await b.list({ address: 'github@d.example', limit: 1 }), []);
      assert.equal((await b.listApiAliases('you', 10, 0)).total, 1);
      assert.equal(await a.blockApiAlias('you', { id: 'id-github@d.example' }, T0), null, 'its id is gone with it');
      assert.equal((await b.claimApiAlias(claim('github@d.example', 'you'))).outcome, 'claimed', 'its place and its name are free');
      assert.equal(await a.forget('stranger@d.example'), true);
      await a.setBlocked('other@d.example', true, T0);

      // An import naming an API alias leaves it the API's; a forgotten import frees its place in the imported part.
      assert.deepEqual(await b.importAliases(['github@d.example', 'moved@d.example'], T0), { imported: 1, alreadyOperator: 1 });
      assert.equal((await a.listApiAliases('you', 10, 0)).entries.some((e) => e.address === 'github@d.example'), true);
      assert.equal((await a.size()).imported, 1);
      assert.equal(await b.forget('moved@d.example'), true);
      assert.equal((await a.size()).imported, 0);
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
