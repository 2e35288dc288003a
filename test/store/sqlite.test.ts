import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { DATABASE_FILE } from '../../src/store/sqlite/database.js';
import { StoreUnavailableError } from '../../src/store/types.js';
import { testClock } from '../helpers/build.js';
import { tempDir } from '../helpers/temp-dir.js';

test('the database is WAL, versioned, and its expired rows are pruned', async (t) => {
  const dir = await tempDir(t, 'sqlite');
  const clock = testClock();
  const store = createSqliteStore({ location: { dataDir: dir }, clock, pruneEveryMs: 50 });
  t.after(() => store.close());
  await store.ledger.complete('token', 'short', 1000);
  await store.ledger.complete('token', 'long', 3600_000);
  const raw = new Database(join(dir, DATABASE_FILE), { readonly: true });
  t.after(() => raw.close());
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.ok((raw.pragma('user_version', { simple: true }) as number) >= 1);
  const rows = () => (raw.prepare('SELECT count(*) AS n FROM ledger').get() as { n: number }).n;
  assert.equal(rows(), 2);
  clock.offsetMs = 2000;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(rows(), 1, 'the expired row is gone, the live one stays');
  assert.equal(await store.ledger.claim('token', 'long', 'x', 1000), 'used');
});

test('a database written by a newer relay is refused with a clear message, not rebuilt', async (t) => {
  const dir = await tempDir(t, 'sqlite');
  createSqliteStore({ location: { dataDir: dir }, clock: testClock() }).close();
  const raw = new Database(join(dir, DATABASE_FILE));
  raw.pragma('user_version = 999');
  raw.close();
  assert.throws(() => createSqliteStore({ location: { dataDir: dir }, clock: testClock() }), /newer plus-relay \(schema 999/);
});

test('a database that fails is the store being unavailable (503), and health says so', async (t) => {
  const store = createSqliteStore({ location: ':memory:', clock: testClock() });
  await store.close();
  await assert.rejects(store.ledger.claim('token', 't', 'o', 1000), StoreUnavailableError);
  await assert.rejects(store.ledger.complete('delivery', 'k', 1000), StoreUnavailableError);
  assert.equal((await store.health()).ok, false);
  t.diagnostic('closed database → StoreUnavailableError');
});
