// Issue 15, the durability row: the disk fills while a send is in flight. Mailgun accepted the message, the relay
// could not record it and answered 503; Mailgun's retry must then be a `duplicate`, not a second copy. A real
// relay on a real SQLite file on a small tmpfs, over HTTP, with the real mailgun.js talking to the loopback API.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY, testClock } from '../helpers/build.js';
import { smallExt4, smallTmpfs, type SmallDisk } from '../helpers/small-disk.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { exactlyOncePolicy } from '../../src/exactly-once.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';
import type { Clock } from '../../src/clock.js';

/** A relay listening on loopback with its SQLite store in `dir`. */
async function relayOn(t: TestContext, dir: string, clock: Clock & { offsetMs: number }) {
  const store = createSqliteStore({ location: { dataDir: dir }, clock, retryUnwrittenEveryMs: 50 });
  t.after(() => store.close());
  const built = await build(t, { store, clock });
  const url = await built.app.listen({ host: '127.0.0.1', port: 0 });
  const post = async (body: ReturnType<typeof parsedUrlencoded>) => {
    const res = await fetch(`${url}/mailgun/inbound`, { method: 'POST', body: body.payload, headers: body.headers });
    return { status: res.status, body: (await res.json()) as { status: string } };
  };
  const health = async () => (await fetch(`${url}/healthz`)).status;
  return { ...built, post, health };
}

function signedMessage() {
  const block = freshSignatureBlock(SIGNING_KEY);
  const fields = [...sampleMessage({ recipient: 'github@destroy.systems' }).fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]] as const;
  return parsedUrlencoded(fields);
}

/** Posts `body`; the disk fills while its send is at the Mailgun API (held there 300 ms). */
async function postWhileDiskFills(relay: Awaited<ReturnType<typeof relayOn>>, disk: SmallDisk, body: ReturnType<typeof parsedUrlencoded>) {
  relay.api.failNext({ kind: 'delay', ms: 300 });
  const answer = relay.post(body);
  while (relay.api.requests === 0) await new Promise((r) => setTimeout(r, 5));
  disk.fill();
  return answer;
}

const claimExpiry = (relay: Awaited<ReturnType<typeof relayOn>>) => exactlyOncePolicy(relay.config.env).claimTtlMs + 1000;

test('the disk fills while a send is in flight: 503, and the retry once the disk is back is a duplicate, not a second copy', async (t) => {
  const disk = smallTmpfs(t);
  if (typeof disk === 'string') return t.skip(disk);
  const clock = testClock();
  const relay = await relayOn(t, disk.dir, clock);
  const body = signedMessage();

  const first = await postWhileDiskFills(relay, disk, body);
  assert.equal(first.status, 503, JSON.stringify(first.body));
  assert.equal(first.body.status, 'store-unavailable');
  assert.equal(relay.api.sent.length, 1, 'Mailgun accepted the send before the disk refused its record');

  // The operator frees the volume; Mailgun retries after the relay's claim has expired.
  disk.free();
  clock.offsetMs += claimExpiry(relay);
  const retry = await relay.post(body);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.equal(retry.body.status, 'duplicate');
  assert.equal(relay.api.sent.length, 1, 'one copy, not two');
});

test('a completion kept while the disk was full reaches the disk once it can: a relay restarted after a crash sends no second copy', async (t) => {
  const disk = smallTmpfs(t);
  if (typeof disk === 'string') return t.skip(disk);
  const clock = testClock();
  const crashed = await relayOn(t, disk.dir, clock);
  const body = signedMessage();
  assert.equal((await postWhileDiskFills(crashed, disk, body)).status, 503);
  disk.free();
  // No traffic: the store's own retry writes it. Then the process dies without closing anything.
  await new Promise((r) => setTimeout(r, 300));

  const restarted = await relayOn(t, disk.dir, clock);
  clock.offsetMs += claimExpiry(restarted);
  const retry = await restarted.post(body);
  assert.equal(retry.status, 200, JSON.stringify(retry.body));
  assert.equal(retry.body.status, 'duplicate');
  assert.equal(crashed.api.sent.length + restarted.api.sent.length, 1, 'one copy across the restart');
});

test('/healthz answers 503 while DATA_DIR is full, and 200 again once it has room', async (t) => {
  const disk = smallTmpfs(t);
  if (typeof disk === 'string') return t.skip(disk);
  const relay = await relayOn(t, disk.dir, testClock());
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
  const relay = await relayOn(t, disk.dir, testClock());
  assert.equal(await relay.health(), 200);
  disk.failReadOnly();
  assert.equal(await relay.health(), 503);
  const refused = await relay.post(signedMessage());
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.equal(refused.body.status, 'store-unavailable');
  assert.equal(relay.api.sent.length, 0);
});
