// Reply addresses hold across a restart (SQLite on disk) and across two instances sharing Redis: a reply made
// through either is sent once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, SIGNING_KEY, testClock } from '../helpers/build.js';
import { forwardFromShop, gmailSigned, listening, REPLY_RULES } from '../helpers/replies.js';
import { twoInstances } from '../helpers/instances.js';
import { sharedRedis } from '../helpers/redis.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { freshSignatureBlock } from '../support/fixtures.js';

test('sqlite: a reply address made before a restart still carries the reply after it', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'plus-relay-replies-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const clock = testClock();
  const firstStore = createSqliteStore({ location: { dataDir }, clock });
  const first = await listening(await build(t, { rules: REPLY_RULES, store: firstStore, clock }));
  const replyAddress = await forwardFromShop(first);
  await first.app.close();
  await firstStore.close();

  const store = createSqliteStore({ location: { dataDir }, clock });
  t.after(() => store.close());
  const second = await listening(await build(t, { rules: REPLY_RULES, store, clock }));
  const res = await second.post(await gmailSigned(replyAddress, second), replyAddress);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(second.api.sent[0]?.to, ['support@shop.example']);
});

test('redis: two instances share reply addresses, and one reply posted to both is sent once', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const { a, b, api } = await twoInstances(t, url, { rules: REPLY_RULES });
  const [one, two] = [await listening(a), await listening(b)];
  // The shop's mail reaches instance a; both instances' DNS serve every key.
  const replyAddress = await forwardFromShop({ ...one, api });
  const reply = await gmailSigned(replyAddress, one);
  Object.assign(two.dns.txt, one.dns.txt);
  const token = freshSignatureBlock(SIGNING_KEY).token;
  const answers = await Promise.all([one.post(reply, replyAddress, token), two.post(reply, replyAddress, token), two.post(reply, replyAddress)]);
  assert.deepEqual(answers.map((r) => r.status).sort(), [200, 200, 200], JSON.stringify(answers.map((r) => r.body)));
  assert.equal(api.sent.filter((s) => s.to[0] === 'support@shop.example').length, 1);
});
