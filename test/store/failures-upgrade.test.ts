// Failures recorded before the relay kept storage URLs (SQLite schema 4; Redis JSON without `storageUrl`) read back
// with none: listed, counted, and a resend says there is nothing stored, rather than the store failing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { DATABASE_FILE, MIGRATIONS } from '../../src/store/sqlite/database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { createRedisStore } from '../../src/store/redis/index.js';
import type { FailureLog } from '../../src/store/types.js';
import { testClock } from '../helpers/build.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sharedRedis, untilHealthy } from '../helpers/redis.js';

const AT = Date.now() - 3600_000;
const OLD = { alias: 'bank@d.example', target: 'me+bank@gmail.com', severity: 'permanent', reason: 'bounce', code: 550, message: '5.7.26 DMARC', at: AT };

async function afterUpgrade(failures: FailureLog): Promise<void> {
  assert.deepEqual(await failures.recent(5), [{ count: 2, last: { ...OLD, storageUrl: null }, resentAt: null }]);
  await failures.markResent(OLD, AT + 5);
  assert.equal((await failures.recent(1))[0]?.resentAt, AT + 5);
}

test('sqlite: a schema-4 failure row reads back without a storage URL', async (t) => {
  const dir = await tempDir(t, 'failures-upgrade');
  const raw = new Database(join(dir, DATABASE_FILE));
  MIGRATIONS.slice(0, 4).forEach((step) => raw.exec(step));
  raw.pragma('user_version = 4');
  raw.prepare('INSERT INTO failures (alias, target, count, severity, reason, code, message, at) VALUES (@alias, @target, 2, @severity, @reason, @code, @message, @at)').run(OLD);
  raw.close();
  const store = createSqliteStore({ location: { dataDir: dir }, clock: testClock() });
  t.after(() => store.close());
  await afterUpgrade(store.failures);
});

test('redis: a failure stored as JSON without storageUrl reads back without one', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const namespace = `plus-relay-test-${randomUUID()}`;
  const raw = createClient({ url }).on('error', () => undefined);
  await raw.connect();
  t.after(() => raw.close());
  const field = `${OLD.alias}\n${OLD.target}`;
  await raw.hSet(`${namespace}:failures:count`, field, '2');
  await raw.hSet(`${namespace}:failures:last`, field, JSON.stringify(OLD));
  await raw.zAdd(`${namespace}:failures:recent`, { score: AT, value: field });
  const store = createRedisStore({ url, namespace });
  t.after(() => store.close());
  await untilHealthy(store);
  await afterUpgrade(store.failures);
});
