import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { groupCommit } from '../../src/store/sqlite/group-commit.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { StoreUnavailableError } from '../../src/store/types.js';
import { testClock } from '../helpers/build.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A real database with one table, and a count of the transactions begun on it. */
function database(t: TestContext) {
  const db = new Database(':memory:');
  t.after(() => db.close());
  db.exec('CREATE TABLE t (n INTEGER NOT NULL CHECK (n >= 0))');
  const insert = db.prepare<[number]>('INSERT INTO t (n) VALUES (?)');
  const rows = () => db.prepare<[], { n: number }>('SELECT n FROM t ORDER BY rowid').all().map((r) => r.n);
  const transaction = db.transaction.bind(db);
  const counted = { transactions: 0 };
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    counted.transactions += 1;
    return transaction(fn);
  }) as typeof db.transaction;
  return { db, insert, rows, counted };
}

test('the writes of one tick share one transaction, run in order, and later ones see earlier ones', async (t) => {
  const { db, insert, rows, counted } = database(t);
  const { write } = groupCommit(db);
  const results = await Promise.all([
    write('first', () => insert.run(1).changes),
    write('second', () => insert.run(2).changes),
    write('count', () => rows().length),
  ]);
  assert.deepEqual(results, [1, 1, 2]);
  assert.equal(counted.transactions, 1);
  await write('next tick', () => insert.run(3));
  assert.equal(counted.transactions, 2);
  assert.deepEqual(rows(), [1, 2, 3]);
});

test('a failed write fails alone: a statement, or a transaction function rolled back to its savepoint', async (t) => {
  const { db, insert, rows } = database(t);
  const { write } = groupCommit(db);
  const both = db.transaction(() => {
    insert.run(10);
    insert.run(-1); // CHECK fails: the 10 goes with it
  });
  const settled = await Promise.allSettled([
    write('before', () => insert.run(1)),
    write('bad statement', () => insert.run(-1)),
    write('bad transaction', () => both()),
    write('after', () => insert.run(2)),
  ]);
  assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
  for (const s of settled) if (s.status === 'rejected') assert.ok(s.reason instanceof StoreUnavailableError, String(s.reason));
  assert.deepEqual(rows(), [1, 2]);
});

test('a group that cannot commit reports none of its writes done', async (t) => {
  const dir = await tempDir(t, 'group');
  const db = new Database(join(dir, 'x.sqlite'));
  t.after(() => db.close());
  db.exec('CREATE TABLE t (n INTEGER)');
  // Another connection holds the write lock past the busy timeout: the group's BEGIN IMMEDIATE fails.
  db.pragma('busy_timeout = 50');
  const other = new Database(join(dir, 'x.sqlite'));
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  const { write } = groupCommit(db);
  const settled = await Promise.allSettled([write('a', () => db.prepare('INSERT INTO t VALUES (1)').run()), write('b', () => 'read')]);
  assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected']);
  other.exec('ROLLBACK');
  assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 0);
});

test('closing the store first commits the writes still queued', async (t) => {
  const dir = await tempDir(t, 'group');
  const store = createSqliteStore({ location: { dataDir: dir }, clock: testClock() });
  const completed = store.ledger.complete('token', 'queued', 3600_000);
  await store.close();
  await completed;
  const reopened = createSqliteStore({ location: { dataDir: dir }, clock: testClock() });
  t.after(() => reopened.close());
  assert.equal(await reopened.ledger.claim('token', 'queued', 'x', 1000), 'used');
});

test("a turn's completions: all done together, or all kept when their group cannot commit, and a later turn writes them out", async (t) => {
  const dir = await tempDir(t, 'group');
  const store = createSqliteStore({ location: { dataDir: dir }, clock: testClock(), checkEveryMs: 3600_000 });
  t.after(() => store.close());
  await Promise.all(['a', 'b', 'c'].map((key) => store.ledger.complete('delivery', key, 3600_000)));
  for (const key of ['a', 'b', 'c']) assert.equal(await store.ledger.claim('delivery', key, 'x', 1000), 'used');

  // Another process holds the write lock past the busy timeout: the group's BEGIN IMMEDIATE fails, and so does
  // every completion of that turn; the ledger keeps them ('used') until the disk takes them.
  const other = new Database(join(dir, 'plus-relay.sqlite'));
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  const refused = await Promise.allSettled(['d', 'e'].map((key) => store.ledger.complete('delivery', key, 3600_000)));
  assert.deepEqual(refused.map((s) => s.status), ['rejected', 'rejected']);
  other.exec('ROLLBACK');
  // A later turn's completion is written, and carries the kept ones along.
  await store.ledger.complete('delivery', 'f', 3600_000);
  const reader = new Database(join(dir, 'plus-relay.sqlite'), { readonly: true });
  t.after(() => reader.close());
  const done = reader.prepare<[], { n: number }>('SELECT count(*) AS n FROM ledger WHERE owner IS NULL').get();
  assert.equal(done?.n, 6, 'a, b, c, the kept d and e, and f are on disk');
});
