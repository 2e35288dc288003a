// Issue 15: the SQLite file deleted under the running relay. Its connection would go on writing to an unlinked
// inode, and the next start would open an empty database: every used token and forwarded pair forgotten, so
// Mailgun's retries would be sent again. The relay writes the file back from its open connection and reopens it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { testClock } from '../helpers/build.js';
import { tempDir } from '../helpers/temp-dir.js';
import { smallTmpfs } from '../helpers/small-disk.js';
import { signedMessage, sqliteRelay } from '../helpers/sqlite-relay.js';
import { DATABASE_FILE } from '../../src/store/sqlite/database.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';

const HOUR = 3600_000;

test('the database file deleted under the running relay is written back: what was recorded before and after survives a restart', async (t) => {
  const dir = await tempDir(t, 'deleted');
  const clock = testClock();
  const relay = await sqliteRelay(t, dir, clock);
  const before = signedMessage('before');
  assert.equal((await relay.post(before)).body.status, 'forwarded');

  rmSync(join(dir, DATABASE_FILE));
  const after = signedMessage('after');
  assert.equal((await relay.post(after)).body.status, 'forwarded');
  assert.equal(await relay.health(), 200, 'the store can write: to the file in DATA_DIR');
  assert.ok(existsSync(join(dir, DATABASE_FILE)));
  const later = signedMessage('later');
  assert.equal((await relay.post(later)).body.status, 'forwarded'); // answered once its completions committed

  // A crash (nothing closed), then a start on the same DATA_DIR: Mailgun's replays of all three are duplicates.
  const restarted = await sqliteRelay(t, dir, clock);
  for (const body of [before, after, later]) {
    const replay = await restarted.post(body);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.status, 'duplicate');
  }
  assert.equal(restarted.api.sent.length, 0, 'nothing sent again after the restart');
  const file = new Database(join(dir, DATABASE_FILE), { readonly: true });
  t.after(() => file.close());
  assert.equal(file.pragma('integrity_check', { simple: true }), 'ok');
});

test('deleted while DATA_DIR is full: it cannot be written back, so /healthz and every delivery answer 503 until it can', async (t) => {
  const disk = smallTmpfs(t);
  if (typeof disk === 'string') return t.skip(disk);
  const relay = await sqliteRelay(t, disk.dir, testClock());
  const before = signedMessage('before');
  assert.equal((await relay.post(before)).body.status, 'forwarded');

  rmSync(join(disk.dir, DATABASE_FILE));
  disk.fill();
  assert.equal(await relay.health(), 503);
  const refused = await relay.post(signedMessage('while lost'));
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(refused.body.status, 'store-unavailable');
  assert.equal(relay.api.sent.length, 1, 'nothing sent while the store has no file');

  disk.free();
  assert.equal(await relay.health(), 200);
  assert.ok(existsSync(join(disk.dir, DATABASE_FILE)));
  assert.equal((await relay.post(before)).body.status, 'duplicate', 'written back with what it held');
});

test('the database file replaced under the running relay (a backup put back) is reopened, as a restart would, and stays sound', async (t) => {
  const dir = await tempDir(t, 'replaced');
  const clock = testClock();
  const relay = await sqliteRelay(t, dir, clock);
  const inBackup = signedMessage('in the backup');
  assert.equal((await relay.post(inBackup)).body.status, 'forwarded');
  const backup = join(dir, 'backup.sqlite');
  const other = new Database(join(dir, DATABASE_FILE));
  other.prepare('VACUUM INTO ?').run(backup);
  other.close();
  const notInBackup = signedMessage('after the backup');
  assert.equal((await relay.post(notInBackup)).body.status, 'forwarded');

  renameSync(backup, join(dir, DATABASE_FILE));
  assert.equal(await relay.health(), 200);
  assert.equal((await relay.post(inBackup)).body.status, 'duplicate');
  const again = await relay.post(notInBackup);
  assert.equal(again.body.status, 'forwarded', 'the backup does not know it: sent again, as after a restart on the backup');
  const reopened = new Database(join(dir, DATABASE_FILE));
  t.after(() => reopened.close());
  assert.equal(reopened.pragma('integrity_check', { simple: true }), 'ok');
});

// The race the HTTP tests above met under load: a write issued in one turn of the event loop is committed in the
// next (the group commit), and the file check (its timer, or /healthz) can run in between. SQLite does not
// checkpoint a moved file's WAL on close and leaves it at the file's name: a write committed to the old connection
// after the check emptied that WAL would be replayed onto the file opened next, a different database.
async function writeQueuedAtTheCheck(t: TestContext, dir: string, moveFile: () => void) {
  const clock = testClock();
  const store = createSqliteStore({ location: { dataDir: dir }, clock, checkEveryMs: 60_000 });
  t.after(() => store.close());
  for (let i = 0; i < 50; i++) await store.ledger.complete('token', `before ${i}`, HOUR);
  moveFile();
  const queued = store.ledger.complete('token', 'queued', HOUR); // in the group, not committed yet
  const health = store.health(); // checks the file at once, before the group would commit
  await queued;
  assert.equal((await health).ok, true);
  const file = new Database(join(dir, DATABASE_FILE), { readonly: true });
  t.after(() => file.close());
  assert.equal(file.pragma('integrity_check', { simple: true }), 'ok');
  assert.equal(await store.ledger.claim('token', 'after', 'owner', HOUR), 'claimed');
  return { store, clock };
}

test('a write queued when the deleted file is written back is in the file written back, and the file stays sound', async (t) => {
  const dir = await tempDir(t, 'deleted-queued');
  const { clock } = await writeQueuedAtTheCheck(t, dir, () => rmSync(join(dir, DATABASE_FILE)));

  // A crash (nothing closed), then a start on the same DATA_DIR.
  const restarted = createSqliteStore({ location: { dataDir: dir }, clock, checkEveryMs: 60_000 });
  t.after(() => restarted.close());
  for (const key of ['before 0', 'before 49', 'queued']) assert.equal(await restarted.ledger.claim('token', key, 'other', HOUR), 'used', key);
  assert.equal(await restarted.ledger.claim('token', 'after', 'other', HOUR), 'busy');
});

test('a write queued when a backup is put back under the relay does not reach the backup: it stays sound', async (t) => {
  const dir = await tempDir(t, 'replaced-queued');
  const backup = join(dir, 'backup.sqlite');
  const { store } = await writeQueuedAtTheCheck(t, dir, () => {
    const other = new Database(join(dir, DATABASE_FILE));
    other.prepare('VACUUM INTO ?').run(backup);
    other.close();
    renameSync(backup, join(dir, DATABASE_FILE));
  });
  // What the backup holds, as a restart on it would see: the queued write went to the file it replaced.
  assert.equal(await store.ledger.claim('token', 'before 49', 'other', HOUR), 'used');
  assert.equal(await store.ledger.claim('token', 'queued', 'other', HOUR), 'claimed');
});
