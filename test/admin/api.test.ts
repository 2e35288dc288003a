// The admin API as the CLI uses it: the inventory listing, add, block and unblock, bad input, and blocks that
// hold across a restart (SQLite on a DATA_DIR) and across instances (one Redis).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { build, testClock } from '../helpers/build.js';
import { ADMIN_TOKEN, adminPost, aliases, bearer } from '../helpers/admin.js';
import { mail, post } from '../helpers/mail.js';
import { redisStore, sharedRedis, untilHealthy } from '../helpers/redis.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { tempDir } from '../helpers/temp-dir.js';

const DAY = 86_400_000;
const env = { ADMIN_TOKEN };
const LEAKS = `domains: [destroy.systems, other.example]
leaks: {learn: 1d}
users:
  owner: "me+{service}@gmail.com"
rules:
  - match: "{service}"
    user: owner
`;

test('GET /admin/aliases: every field, most recent first, ?address= filters', async (t) => {
  const clock = testClock();
  const { app } = await build(t, { env, clock, rules: LEAKS });
  const start = clock.now();
  assert.equal((await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }))).statusCode, 200);
  clock.offsetMs += 2 * DAY;
  assert.equal((await post(app, mail('shop@other.example', { clock }))).statusCode, 200);
  clock.offsetMs += DAY;
  assert.equal((await post(app, mail('github@destroy.systems', { from: 'Pills <x@cheap-pills.example>', clock }))).statusCode, 200);
  const list = await aliases(app);
  assert.deepEqual(list.map((a) => a.address), ['github@destroy.systems', 'shop@other.example']);
  const [github] = list;
  // ISO 8601 times on the relay's clock (which the test moved by three days between the two messages).
  const ms = (value: unknown) => Date.parse(String(value)) - start;
  assert.ok(ms(github?.firstSeen) >= 0 && ms(github?.firstSeen) < 60_000, String(github?.firstSeen));
  assert.ok(ms(github?.lastSeen) >= 3 * DAY && ms(github?.lastSeen) < 3 * DAY + 60_000, String(github?.lastSeen));
  assert.match(String(github?.firstSeen), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(
    { ...github, firstSeen: undefined, lastSeen: undefined, senders: (github?.senders as Array<Record<string, unknown>>).map((s) => ({ ...s, firstSeen: typeof s.firstSeen, lastSeen: typeof s.lastSeen })) },
    {
      address: 'github@destroy.systems',
      firstSeen: undefined,
      lastSeen: undefined,
      added: null,
      forwarded: 2,
      refused: 0,
      blocked: false,
      senders: [
        { domain: 'github.com', count: 1, firstSeen: 'string', lastSeen: 'string', new: false },
        { domain: 'cheap-pills.example', count: 1, firstSeen: 'string', lastSeen: 'string', new: true },
      ],
      failed: 0,
      lastFailure: null,
    },
  );
  assert.deepEqual((await aliases(app, '?address=GitHub%40Destroy.Systems')).map((a) => a.address), ['github@destroy.systems']);
  assert.deepEqual(await aliases(app, '?address=nobody@destroy.systems'), []);
  assert.deepEqual((await aliases(app, '?limit=1')).map((a) => a.address), ['github@destroy.systems']);
});

test('add, block, unblock: the API answers the alias, and the next message obeys', async (t) => {
  const { app, api } = await build(t, { env, rules: LEAKS.replace('leaks: {learn: 1d}', 'new_aliases: reject') });
  assert.equal((await post(app, mail('planned@destroy.systems'))).statusCode, 406, 'unknown under new_aliases: reject');
  const added = await adminPost(app, 'Planned@destroy.systems');
  assert.equal(added.statusCode, 200, added.body);
  assert.equal(added.json().alias.address, 'planned@destroy.systems');
  assert.match(added.json().alias.added, /^\d{4}-\d\d-\d\dT/);
  assert.equal((await post(app, mail('planned@destroy.systems'))).statusCode, 200);

  const blocked = await adminPost(app, 'planned@destroy.systems', 'block');
  assert.equal(blocked.statusCode, 200);
  assert.equal(blocked.json().alias.blocked, true);
  const refused = await post(app, mail('planned@destroy.systems'));
  assert.equal(refused.statusCode, 406);
  assert.equal(api.sent.length, 1, 'nothing sent to a blocked alias');
  assert.equal((await adminPost(app, 'planned@destroy.systems', 'unblock')).json().alias.blocked, false);
  assert.equal((await post(app, mail('planned@destroy.systems'))).statusCode, 200);
  assert.equal(api.sent.length, 2);
  const [planned] = await aliases(app, '?address=planned@destroy.systems');
  assert.deepEqual([planned?.forwarded, planned?.refused], [2, 2]);
});

test('add takes an optional description (JSON or a form), shown in the listing; the listing says how full the inventory is', async (t) => {
  const { app } = await build(t, { env, rules: LEAKS });
  const json = await app.inject({ method: 'POST', url: '/admin/aliases', headers: bearer(), payload: { address: 'news@destroy.systems', description: '  Weekly news — Zeitung  ' } });
  assert.equal(json.statusCode, 200, json.body);
  assert.equal(json.json().alias.description, 'Weekly news — Zeitung', 'trimmed');
  const form = await app.inject({ method: 'POST', url: '/admin/aliases/shop@destroy.systems', headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'description=Shop+orders' });
  assert.equal(form.statusCode, 303, form.body);
  assert.equal((await adminPost(app, 'news@destroy.systems')).json().alias.description, 'Weekly news — Zeitung', 'adding again without one keeps it');
  assert.equal((await post(app, mail('github@destroy.systems'))).statusCode, 200);
  await adminPost(app, 'github@destroy.systems', 'block');
  const listing = await app.inject({ method: 'GET', url: '/admin/aliases', headers: bearer() });
  const byAddress = new Map((listing.json().aliases as Array<{ address: string; description?: string }>).map((a) => [a.address, a]));
  assert.equal(byAddress.get('shop@destroy.systems')?.description, 'Shop orders');
  assert.equal('description' in (byAddress.get('github@destroy.systems') ?? {}), false, 'no description: no field');
  assert.deepEqual(listing.json().inventory, { learned: 0, learnedMax: 10_000, operator: 3, operatorMax: 2_000, imported: 0, importedMax: 5_000, added: 2, blocked: 1 });
});

test('bad input to the admin API is a 4xx and changes nothing', async (t) => {
  const { app } = await build(t, { env });
  const cases: Array<[string, string, Record<string, string>, string | Buffer | undefined, number]> = [
    ['POST', '/admin/aliases/github@elsewhere.example/block', {}, undefined, 400],
    ['POST', '/admin/aliases/not-an-address/block', {}, undefined, 400],
    ['POST', '/admin/aliases/a@b@destroy.systems', {}, undefined, 400],
    ['POST', `/admin/aliases/${encodeURIComponent('x@destroy.systems\r\nBcc: y@evil.example')}/block`, {}, undefined, 400],
    ['POST', `/admin/aliases/${encodeURIComponent('Name <x@destroy.systems>')}/block`, {}, undefined, 400],
    ['POST', `/admin/aliases/${'a'.repeat(200)}@destroy.systems/block`, {}, undefined, 400],
    ['POST', `/admin/aliases/${'a'.repeat(5000)}@destroy.systems/block`, {}, undefined, 414],
    ['GET', '/admin/aliases?address=nope', {}, undefined, 400],
    ['GET', '/admin/aliases?address=x@elsewhere.example', {}, undefined, 400],
    ['GET', '/admin/aliases?limit=0', {}, undefined, 400],
    ['GET', '/admin/aliases?limit=lots', {}, undefined, 400],
    ['POST', '/admin/aliases/x@destroy.systems/block', { 'content-type': 'application/json' }, Buffer.alloc(64 * 1024, 0x20), 413],
    ['POST', '/admin/aliases/x@destroy.systems/block', { 'content-type': 'application/json' }, '{"broken', 400],
    ['POST', '/admin/aliases/x@destroy.systems/block', { 'content-type': 'text/plain' }, 'hello', 415],
    ['POST', '/admin/aliases/x@destroy.systems/block', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--', 415],
    ['POST', '/admin/aliases', { 'content-type': 'application/json' }, '{"address": 42}', 400],
    ['POST', '/admin/aliases', {}, undefined, 400],
    ['POST', '/admin/aliases', { 'content-type': 'application/json' }, '{"address": "x@destroy.systems", "description": 42}', 400],
    ['POST', '/admin/aliases', { 'content-type': 'application/json' }, JSON.stringify({ address: 'x@destroy.systems', description: 'é'.repeat(201) }), 400],
    ['POST', '/admin/aliases', { 'content-type': 'application/json' }, JSON.stringify({ address: 'x@destroy.systems', description: 'two\nlines' }), 400],
    ['POST', '/admin/aliases/x@destroy.systems', { 'content-type': 'application/x-www-form-urlencoded' }, 'description=%1B%5B31mred', 400],
    ['DELETE', '/admin/aliases/x@destroy.systems', {}, undefined, 404],
  ];
  for (const [method, url, headers, payload, status] of cases) {
    const res = await app.inject({ method: method as 'GET', url, headers: { ...bearer(), ...headers }, ...(payload === undefined ? {} : { payload }) });
    assert.equal(res.statusCode, status, `${method} ${url.slice(0, 80)}: ${res.body.slice(0, 200)}`);
    if (status !== 404 && status !== 414) assert.equal(res.json().status, 'error');
  }
  assert.deepEqual(await aliases(app), []);
});

test('a block holds across a restart (SQLite on the same DATA_DIR)', async (t) => {
  const dir = await tempDir(t, 'admin');
  const relayOn = async () => {
    const clock = testClock();
    const store = createSqliteStore({ location: { dataDir: dir }, clock });
    const built = await build(t, { env, store, clock });
    return { ...built, stop: async () => (await built.app.close(), await store.close()) };
  };
  const before = await relayOn();
  assert.equal((await post(before.app, mail('github@destroy.systems'))).statusCode, 200);
  assert.equal((await adminPost(before.app, 'github@destroy.systems', 'block')).statusCode, 200);
  await before.stop();

  const after = await relayOn();
  const refused = await post(after.app, mail('github@destroy.systems'));
  assert.equal(refused.statusCode, 406, refused.body);
  assert.equal(after.api.sent.length, 0);
  const [github] = await aliases(after.app);
  assert.deepEqual([github?.address, github?.blocked, github?.forwarded, github?.refused], ['github@destroy.systems', true, 1, 1]);
});

test('two instances sharing one Redis see one inventory and one block list', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const namespace = `plus-relay-test-${randomUUID()}`;
  const instance = async () => {
    const store = redisStore(t, url, namespace);
    await untilHealthy(store);
    return build(t, { env, store });
  };
  const a = await instance();
  const b = await instance();
  assert.equal((await post(a.app, mail('github@destroy.systems'))).statusCode, 200);
  assert.equal((await post(b.app, mail('shop@destroy.systems'))).statusCode, 200);
  assert.equal((await post(b.app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>' }))).statusCode, 200);
  for (const app of [a.app, b.app]) {
    const list = await aliases(app);
    assert.deepEqual(list.map((x) => [x.address, x.forwarded]), [['github@destroy.systems', 2], ['shop@destroy.systems', 1]]);
  }
  assert.equal((await adminPost(a.app, 'github@destroy.systems', 'block')).statusCode, 200);
  assert.equal((await post(b.app, mail('github@destroy.systems'))).statusCode, 406, 'blocked on A, refused by B');
  assert.equal((await post(a.app, mail('github@destroy.systems'))).statusCode, 406);
  assert.equal((await adminPost(b.app, 'github@destroy.systems', 'unblock')).statusCode, 200);
  assert.equal((await post(a.app, mail('github@destroy.systems'))).statusCode, 200);
  assert.equal(a.api.sent.length + b.api.sent.length, 4);
});
