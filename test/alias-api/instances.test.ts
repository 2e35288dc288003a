// One name is handed out once, whichever instance is asked: the name is claimed in the store, so two relays on one
// DATA_DIR (SQLite) or on one Redis never both give out github@ for the same site at the same moment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { build, testClock } from '../helpers/build.js';
import { createAlias, type ApiAlias, API_TOKEN, ONE_USER_RULES, LIFTED_LIMITS } from '../helpers/alias-api.js';
import { twoInstances } from '../helpers/instances.js';
import { sharedRedis } from '../helpers/redis.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';

const ROUNDS = 20;

/** Each round, both instances are asked twice at once for the same site: four distinct names, every round. */
async function race(a: FastifyInstance, b: FastifyInstance): Promise<void> {
  const urls = [await a.listen({ host: '127.0.0.1', port: 0 }), await b.listen({ host: '127.0.0.1', port: 0 })];
  const everything: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const answers = await Promise.all([0, 1, 0, 1].map((i) => createAlias(urls[i] ?? '', API_TOKEN, `round${round}.example`)));
    assert.deepEqual(answers.map((r) => r.status), [201, 201, 201, 201]);
    const emails = await Promise.all(answers.map(async (r) => ((await r.json()) as { data: ApiAlias }).data.email));
    assert.equal(new Set(emails).size, 4, `round ${round}: ${emails.join(', ')}`);
    everything.push(...emails);
  }
  assert.equal(new Set(everything).size, 4 * ROUNDS);
}

test('two relays on one DATA_DIR never hand out one name twice', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plus-relay-alias-api-'));
  const clock = testClock();
  const stores = [createSqliteStore({ location: { dataDir: dir }, clock }), createSqliteStore({ location: { dataDir: dir }, clock })];
  t.after(async () => {
    for (const store of stores) await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const [a, b] = await Promise.all(stores.map((store) => build(t, { env: { ALIAS_API_TOKEN: API_TOKEN }, rules: ONE_USER_RULES, clock, store, app: { aliasApiLimits: LIFTED_LIMITS } })));
  if (!a || !b) throw new Error('two relays');
  await race(a.app, b.app);
});

test('two instances on one Redis never hand out one name twice', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const { a, b } = await twoInstances(t, url, { env: { ALIAS_API_TOKEN: API_TOKEN }, rules: ONE_USER_RULES, app: { aliasApiLimits: LIFTED_LIMITS } });
  await race(a.app, b.app);
});
