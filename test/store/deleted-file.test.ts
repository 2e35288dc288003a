// Issue 15: the SQLite file deleted under the running relay. Its connection would go on writing to an unlinked
// inode, and the next start would open an empty database: every used token and forwarded pair forgotten, so
// Mailgun's retries would be sent again. The relay writes the file back from its open connection and reopens it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { testClock } from '../helpers/build.js';
import { tempDir } from '../helpers/temp-dir.js';
import { smallTmpfs } from '../helpers/small-disk.js';
import { signedMessage, sqliteRelay } from '../helpers/sqlite-relay.js';
import { DATABASE_FILE } from '../../src/store/sqlite/database.js';

const settle = () => new Promise((r) => setTimeout(r, 300));

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
  assert.equal((await relay.post(later)).body.status, 'forwarded');
  await settle();

  // A crash (nothing closed), then a start on the same DATA_DIR: Mailgun's replays of all three are duplicates.
  const restarted = await sqliteRelay(t, dir, clock);
  for (const body of [before, after, later]) {
    const replay = await restarted.post(body);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.status, 'duplicate');
  }
  assert.equal(restarted.api.sent.length, 0, 'nothing sent again after the restart');
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
