// An inventory written before operator entries were kept apart (SQLite schema 3; Redis without the learned
// and operator sets) is sorted on first use: added and blocked aliases become operator entries that a flood
// cannot push out, the others learned ones that give way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { DATABASE_FILE, MIGRATIONS } from '../../src/store/sqlite/database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { createRedisStore } from '../../src/store/redis/index.js';
import { INVENTORY_LIMITS, type Inventory } from '../../src/store/inventory.js';
import { testClock } from '../helpers/build.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sharedRedis, untilHealthy } from '../helpers/redis.js';

// Recent, so that nothing is old enough to expire when the store opens and prunes.
const T0 = Date.now() - 3600_000;
const LIMITS = { ...INVENTORY_LIMITS, maxLearnedAliases: 2, maxOperatorAliases: 5 };

/** What an old relay left: an added alias, a blocked one, one in use, one that only ever received refused mail. */
const OLD = [
  { address: 'added@d.example', touched: T0, added: T0, fwd: 0, ref: 0, blocked: 0, transient: 0 },
  { address: 'blocked@d.example', touched: T0 + 1, added: null, fwd: 1, ref: 1, blocked: 1, transient: 0 },
  { address: 'used@d.example', touched: T0 + 2, added: null, fwd: 3, ref: 0, blocked: 0, transient: 0 },
  { address: 'junk@d.example', touched: T0 + 3, added: null, fwd: 0, ref: 1, blocked: 0, transient: 1 },
];

async function afterUpgrade(inventory: Inventory): Promise<void> {
  assert.deepEqual(await inventory.size(), { learned: 2, learnedMax: 2, operator: 2, operatorMax: 5, imported: 0, importedMax: 5_000, added: 1, blocked: 1 });
  for (let i = 0; i < 3; i++) {
    await inventory.record({ address: `flood${i}@d.example`, at: T0 + 10 + i, outcome: 'forwarded', senderDomain: 'spam.example', newSender: false });
  }
  const left = (await inventory.list({ limit: 10 })).map((e) => e.address);
  // junk@ (refused-only) gives way first, then the flood's single-message aliases; used@ (3 messages) stays.
  assert.deepEqual(left, ['flood2@d.example', 'used@d.example', 'blocked@d.example', 'added@d.example']);
}

test('sqlite: a schema-3 database is brought forward with its added and blocked aliases as operator entries', async (t) => {
  const dir = await tempDir(t, 'inventory-upgrade');
  const raw = new Database(join(dir, DATABASE_FILE));
  MIGRATIONS.slice(0, 3).forEach((step) => raw.exec(step));
  raw.pragma('user_version = 3');
  const insert = raw.prepare(
    `INSERT INTO aliases (address, first_seen, last_seen, added_at, touched_at, forwarded, refused, blocked, transient)
     VALUES (@address, @first, @touched, @added, @touched, @fwd, @ref, @blocked, @transient)`,
  );
  for (const row of OLD) insert.run({ ...row, first: row.fwd + row.ref > 0 ? row.touched : null });
  raw.close();
  const store = createSqliteStore({ location: { dataDir: dir }, clock: testClock(), inventoryLimits: LIMITS });
  t.after(() => store.close());
  await afterUpgrade(store.inventory);
});

test('redis: an inventory without the learned and operator sets is sorted into them on first use', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const namespace = `plus-relay-test-${randomUUID()}`;
  const base = `${namespace}:{inventory}`;
  const raw = createClient({ url }).on('error', () => undefined);
  await raw.connect();
  t.after(() => raw.close());
  for (const row of OLD) {
    const fields: Record<string, string> = { touched: String(row.touched), fwd: String(row.fwd), ref: String(row.ref), blocked: String(row.blocked), transient: String(row.transient) };
    if (row.added !== null) fields.added = String(row.added);
    if (row.fwd + row.ref > 0) Object.assign(fields, { first: String(row.touched), last: String(row.touched) });
    await raw.hSet(`${base}:a:${row.address}`, fields);
    await raw.zAdd(`${base}:index`, { score: row.touched, value: row.address });
    if (row.transient) await raw.zAdd(`${base}:transient`, { score: row.touched, value: row.address });
    if (row.blocked) await raw.sAdd(`${base}:blocked`, row.address);
  }
  const store = createRedisStore({ url, namespace, inventoryLimits: LIMITS });
  t.after(() => store.close());
  await untilHealthy(store);
  await afterUpgrade(store.inventory);
});
