// Point 4 of the hardening issue: a restart (every rules edit is a deploy) must not forget used tokens or
// forwarded (message, target) pairs. Two relays, one after the other, on the same DATA_DIR.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY, testClock } from '../helpers/build.js';
import { isSend } from '../support/mailgun-api.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A relay on `dir`, and a way to stop it as a deploy does (app closed, store closed). */
async function relayOn(t: TestContext, dir: string) {
  const clock = testClock();
  const store = createSqliteStore({ location: { dataDir: dir }, clock });
  const built = await build(t, { store, clock });
  return { ...built, stop: async () => (await built.app.close(), await store.close()) };
}

function signed(recipient: string, block = freshSignatureBlock(SIGNING_KEY)) {
  const fields = [...sampleMessage({ recipient }).fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]] as const;
  return parsedUrlencoded(fields);
}

test('a relay restarted on the same DATA_DIR answers a replayed token 200 without sending', async (t) => {
  const dir = await tempDir(t, 'restart');
  const body = signed('github@destroy.systems');
  const before = await relayOn(t, dir);
  const first = await before.app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
  assert.equal(first.json().status, 'forwarded');
  await before.stop();

  const after = await relayOn(t, dir);
  const replay = await after.app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
  assert.equal(replay.statusCode, 200);
  assert.equal(replay.json().status, 'duplicate');
  assert.equal(after.api.sent.length, 0, 'nothing sent after the restart');
});

test('after a restart, the retry of a partly delivered message sends only to the target that missed it', async (t) => {
  const dir = await tempDir(t, 'restart');
  const body = signed('family+school@destroy.systems');
  const before = await relayOn(t, dir);
  before.api.failWhen((req) => isSend(req) && (req.form.fields['to'] ?? []).includes('kid+school@fastmail.com'), { kind: 'status', status: 503 });
  const first = await before.app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
  assert.equal(first.statusCode, 502);
  assert.deepEqual(before.api.sent.map((s) => s.to[0]), ['parent+school@fastmail.com']);
  await before.stop();

  const after = await relayOn(t, dir);
  const retry = await after.app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
  assert.equal(retry.statusCode, 200, retry.body);
  assert.deepEqual(after.api.sent.map((s) => s.to[0]), ['kid+school@fastmail.com'], 'the parent is not sent the message twice');
});
