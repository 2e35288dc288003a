// Dictionary spam against an open catch-all (`new_aliases: accept`): signed posts to random local parts, each
// forwarded, each a new alias. The inventory is bounded (store/inventory.ts), so the flood fills its learned
// part; it must never take the operator's places (block and `alias add` still succeed) nor stop a new alias
// from being recorded (it still learns its senders and gets its leak signal). Real HTTP, real SQLite, real Redis.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { build, testClock } from '../helpers/build.js';
import { ADMIN_TOKEN, adminPost, bearer } from '../helpers/admin.js';
import { mail, post, postTo, signedRawMail } from '../helpers/mail.js';
import { dkimSignedMime, sampleMime } from '../support/fixtures.js';
import { parseExposition } from '../helpers/prometheus.js';
import { sharedRedis, untilHealthy } from '../helpers/redis.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { createRedisStore } from '../../src/store/redis/index.js';
import { INVENTORY_LIMITS, type InventoryLimits } from '../../src/store/inventory.js';
import type { Clock } from '../../src/clock.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/temp-dir.js';

const DAY = 86_400_000;
// The production caps but a learned part of 100: the same attack as 10,000 posts, in a fraction of the time.
const LIMITS: InventoryLimits = { ...INVENTORY_LIMITS, maxLearnedAliases: 100 };
const FLOOD = 300;
const RULES = `domains: [destroy.systems]
new_aliases: accept
leaks: {learn: 1d}
users:
  owner: "me+{service}@gmail.com"
rules:
  - match: "{service}"
    user: owner
# The flood guard would stop this flood after 50 new aliases an hour (test/http/flood-guard.test.ts): lifted here,
# so the inventory alone meets the whole attack, as it does on a relay whose owner raised the limits.
limits:
  per_target: {per_minute: 1000000, per_hour: 1000000}
  new_aliases_per_hour: 1000000
`;

const stores: Record<string, (t: TestContext, clock: Clock) => Promise<Store | null>> = {
  async sqlite(t, clock) {
    const store = createSqliteStore({ location: { dataDir: await tempDir(t, 'alias-flood') }, clock, inventoryLimits: LIMITS });
    t.after(() => store.close());
    return store;
  },
  async redis(t) {
    const url = await sharedRedis(t);
    if (!url) return null;
    const store = createRedisStore({ url, namespace: `plus-relay-test-${randomUUID()}`, inventoryLimits: LIMITS });
    t.after(() => store.close());
    await untilHealthy(store);
    return store;
  },
};

for (const [name, open] of Object.entries(stores)) {
  test(`${name}: a flood of forwarded mail to random aliases never blocks the operator nor silences a new alias's leak signal`, async (t) => {
    const clock = testClock();
    const store = await open(t, clock);
    if (!store) return;
    const { app, api } = await build(t, { env: { ADMIN_TOKEN }, clock, store, rules: RULES });
    assert.equal((await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }))).statusCode, 200);

    for (let i = 0; i < FLOOD; i++) {
      const res = await post(app, mail(`${randomUUID().slice(0, 12)}@destroy.systems`, { from: `Spam <x@spam${i}.example>`, clock }));
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.equal(api.sent.length, FLOOD + 1, 'the catch-all is open: every message was forwarded');

    // The operator: a block and an add succeed, and they count apart from the flood.
    const blocked = await adminPost(app, 'github@destroy.systems', 'block');
    assert.equal(blocked.statusCode, 200, blocked.body);
    assert.equal(blocked.json().alias.blocked, true);
    const added = await app.inject({ method: 'POST', url: '/admin/aliases', headers: bearer(), payload: { address: 'planned@destroy.systems', description: 'newsletter, signed up in May' } });
    assert.equal(added.statusCode, 200, added.body);
    assert.equal(added.json().alias.description, 'newsletter, signed up in May');
    assert.equal((await post(app, mail('github@destroy.systems', { clock }))).statusCode, 406, 'the block holds');

    // A new alias after the flood is recorded, learns its sender, and a new sender after learning is the leak signal.
    assert.equal((await post(app, mail('shop@destroy.systems', { from: 'Shop <news@shop.example>', clock }))).statusCode, 200);
    clock.offsetMs += 2 * DAY;
    assert.equal((await post(app, mail('shop@destroy.systems', { from: 'Pills <offers@cheap-pills.example>', clock }))).statusCode, 200);
    const listing = await app.inject({ method: 'GET', url: '/admin/aliases?address=shop@destroy.systems', headers: bearer() });
    const [shop] = listing.json().aliases as Array<{ senders: Array<{ domain: string; new: boolean }> }>;
    assert.deepEqual(shop?.senders.map((s) => [s.domain, s.new]), [['shop.example', false], ['cheap-pills.example', true]]);
    const metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
    assert.equal(metrics.value('plus_relay_leak_signals_total'), 1);

    // How full it is: the learned part at its cap (the flood recycles its own places), the operator's two entries apart.
    assert.deepEqual(listing.json().inventory, { learned: 100, learnedMax: 100, operator: 2, operatorMax: INVENTORY_LIMITS.maxOperatorAliases, imported: 0, importedMax: INVENTORY_LIMITS.maxImportedAliases, added: 1, blocked: 1 });
  });

  test(`${name}: an alias mailed twice by an authenticated sender outlives a flood of random aliases, with its senders and first-seen date`, async (t) => {
    const clock = testClock();
    const store = await open(t, clock);
    if (!store) return;
    // bank.example signs its mail and enforces DMARC: the relay verifies the aligned signature (raw mode), with the
    // key from the loopback DNS server.
    const statement = (n: number) =>
      dkimSignedMime(sampleMime({ from: 'Bank <statements@bank.example>', to: 'bank@destroy.systems', subject: `Statement ${n}`, messageId: `<s${n}.${randomUUID()}@bank.example>` }), { domain: 'bank.example' });
    const [first, second] = [await statement(1), await statement(2)];
    const dns = { '_dmarc.bank.example': ['v=DMARC1; p=reject'], ...first.records };
    const { app, deliveries } = await build(t, { env: { ADMIN_TOKEN }, clock, store, rules: RULES, dns });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const firstSeen = clock.now();
    assert.equal(await postTo(url, signedRawMail('bank@destroy.systems', first.mime, 'statements@bank.example', clock)), 200);
    clock.offsetMs += DAY;
    assert.equal(await postTo(url, signedRawMail('bank@destroy.systems', second.mime, 'statements@bank.example', clock)), 200);
    assert.deepEqual(deliveries.map((d) => d.dmarc?.reason), ['aligned-dkim', 'aligned-dkim']);

    // The flood: one and a half times the learned part, each alias mailed twice (the stranger's own mail, forwarded,
    // unauthenticated), so that none of them is a single-message alias that would give way before bank@.
    clock.offsetMs += DAY;
    for (let i = 0; i < FLOOD / 2; i++) {
      const random = `${randomUUID().slice(0, 12)}@destroy.systems`;
      for (const n of [1, 2]) assert.equal(await postTo(url, mail(random, { from: `Spam ${n} <x@spam${i}.example>`, clock })), 200);
    }
    const listing = await app.inject({ method: 'GET', url: '/admin/aliases?address=bank@destroy.systems', headers: bearer() });
    const [bank] = listing.json().aliases as Array<{ firstSeen: string; forwarded: number; senders: Array<{ domain: string; count: number }> }>;
    assert.ok(bank, 'bank@ is still known');
    assert.ok(Math.abs(Date.parse(bank.firstSeen) - firstSeen) < 1000, 'its first-seen date is the first statement');
    assert.deepEqual([bank.forwarded, bank.senders.map((s) => [s.domain, s.count])], [2, [['bank.example', 2]]]);
    assert.equal(listing.json().inventory.learned, 100, 'the flood recycled its own places');
  });
}
