// Issue 15, the durability row: the disk fills while a send is in flight. Mailgun accepted the message, the relay
// could not record it and answered 503; Mailgun's retry must then be a `duplicate`, not a second copy. A real
// relay on a real SQLite file on a small tmpfs (or an ext4 image turned read-only), over HTTP, with the real
// mailgun.js talking to the loopback API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testClock } from '../helpers/build.js';
import { smallExt4, smallTmpfs, type SmallDisk } from '../helpers/small-disk.js';
import { signedMessage, sqliteRelay, type Post, type SqliteRelay } from '../helpers/sqlite-relay.js';

/** Posts `body`; the disk fills while its send is at the Mailgun API (held there 300 ms). */
async function postWhileDiskFills(relay: SqliteRelay, disk: SmallDisk, body: Post) {
  relay.api.failNext({ kind: 'delay', ms: 300 });
  const answer = relay.post(body);
  while (relay.api.requests === 0) await new Promise((r) => setTimeout(r, 5));
  disk.fill();
  return answer;
}

test('the disk fills while a send is in flight: 503, and the retry once the disk is back is a duplicate, not a second copy', async (t) => {
  const disk = smallTmpfs(t);
  if (typeof disk === 'string') return t.skip(disk);
  const clock = testClock();
  const relay = await sqliteRelay(t, disk.dir, clock);
  const body = signedMessage();

  const first = await postWhileDiskFills(relay, disk, body);
  assert.equal(first.status, 503, JSON.stringify(first.body));
  assert.equal(first.body.status, 'store-unavailable');
  assert.equal(relay.api.sent.length, 1, 'Mailgun accepted the send before the disk refused its record');

  // The operator frees the volume; Mailgun retries after the relay's claim has expired.
  disk.free();
  clock.offsetMs += relay.claimExpiryMs;
  const retry = await relay.post(body);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.equal(retry.body.status, 'duplicate');
  assert.equal(relay.api.sent.length, 1, 'one copy, not two');
});

test('a completion kept while the disk was full reaches the disk once it can: a relay restarted after a crash sends no second copy', async (t) => {
  const disk = smallTmpfs(t);
  if (typeof disk === 'string') return t.skip(disk);
  const clock = testClock();
  const crashed = await sqliteRelay(t, disk.dir, clock);
  const body = signedMessage();
  assert.equal((await postWhileDiskFills(crashed, disk, body)).status, 503);
  disk.free();
  // No traffic: the store's own check writes it. Then the process dies without closing anything.
  await new Promise((r) => setTimeout(r, 300));

  const restarted = await sqliteRelay(t, disk.dir, clock);
  clock.offsetMs += restarted.claimExpiryMs;
  const retry = await restarted.post(body);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.equal(retry.body.status, 'duplicate');
  assert.equal(crashed.api.sent.length + restarted.api.sent.length, 1, 'one copy across the restart');
});

test('/healthz answers 503 while DATA_DIR is full, and 200 again once it has room', async (t) => {
  const disk = smallTmpfs(t);
  if (typeof disk === 'string') return t.skip(disk);
  const relay = await sqliteRelay(t, disk.dir, testClock());
  assert.equal(await relay.health(), 200);
  disk.fill();
  assert.equal(await relay.health(), 503);
  const refused = await relay.post(signedMessage());
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(relay.api.sent.length, 0, 'nothing is sent while nothing can be recorded');
  disk.free();
  assert.equal(await relay.health(), 200);
});

test('a volume that turns read-only under the running relay: /healthz 503, deliveries 503 and nothing sent', async (t) => {
  const disk = smallExt4(t);
  if (typeof disk === 'string') return t.skip(disk);
  const relay = await sqliteRelay(t, disk.dir, testClock());
  assert.equal(await relay.health(), 200);
  disk.failReadOnly();
  assert.equal(await relay.health(), 503);
  const refused = await relay.post(signedMessage());
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(refused.body.status, 'store-unavailable');
  assert.equal(relay.api.sent.length, 0);
});

test('a relay started on a read-only DATA_DIR runs: /healthz and deliveries 503, then it opens the file once the volume is writable', async (t) => {
  const disk = smallTmpfs(t);
  if (typeof disk === 'string') return t.skip(disk);
  disk.remount('ro');
  const relay = await sqliteRelay(t, disk.dir, testClock());
  assert.equal(await relay.health(), 503);
  const body = signedMessage();
  const refused = await relay.post(body);
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(refused.body.status, 'store-unavailable');
  assert.equal(relay.api.sent.length, 0);

  disk.remount('rw');
  assert.equal(await relay.health(), 200);
  const retry = await relay.post(body);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.equal(retry.body.status, 'forwarded');
  assert.equal(relay.api.sent.length, 1);
});
