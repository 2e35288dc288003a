// Reply addresses on both backends: one per pair, shared by two handles (instances, or processes on one file),
// unguessable, bounded against strangers without ever dropping a pair the owner replied through, kept across restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends } from '../helpers/stores.js';
import { testClock } from '../helpers/build.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { replyLocalPart, replyTokenOf } from '../../src/store/reply-addresses.js';

const pair = (contact: string, alias = 'shop@alice.dev') => ({ alias, contact, user: 'alice' });

for (const [kind, backend] of Object.entries(backends)) {
  test(`${kind}: one reply address per pair, the same from either handle, found by its token`, async (t) => {
    const opened = await backend.open(t);
    if (!opened) return;
    const [a, b] = opened;
    const [first, second] = await Promise.all([a.replies.issue(pair('support@shop.example'), false), b.replies.issue(pair('support@shop.example'), false)]);
    assert.equal(first, second, 'two instances issuing at once agree on one address');
    assert.equal(await b.replies.issue(pair('support@shop.example'), false), first);
    assert.notEqual(await a.replies.issue(pair('other@shop.example'), false), first);
    assert.notEqual(await a.replies.issue(pair('support@shop.example', 'news@alice.dev'), false), first);
    assert.deepEqual(await b.replies.find(first), { token: first, alias: 'shop@alice.dev', contact: 'support@shop.example', user: 'alice', pinned: false });
    assert.equal(await a.replies.find('a'.repeat(26)), null);
    assert.equal(replyTokenOf(replyLocalPart(first)), first);
    // 26 base32 characters: 130 bits, of which 128 random.
    assert.match(first, /^[a-z2-7]{26}$/);
  });

  test(`${kind}: a flood of strangers drops the least recently used unpinned addresses, never a pinned one`, async (t) => {
    const clock = testClock();
    const opened = await backend.open(t, { clock, replyLimits: { maxUnpinned: 3 } });
    if (!opened) return;
    const [store] = opened;
    const replied = await store.replies.issue(pair('friend@example.org'), false);
    await store.replies.pin(replied);
    const asked = await store.replies.issue(pair('shop@example.org'), true);
    const tokens: string[] = [];
    for (let i = 0; i < 10; i++) {
      clock.offsetMs += 1000;
      tokens.push(await store.replies.issue(pair(`stranger${i}@spam.example`), false));
    }
    assert.equal((await store.replies.find(replied))?.pinned, true);
    assert.equal((await store.replies.find(asked))?.pinned, true);
    const kept = await Promise.all(tokens.map((tk) => store.replies.find(tk)));
    assert.deepEqual(kept.map((e) => e !== null), [false, false, false, false, false, false, false, true, true, true]);
    // A pair whose address was dropped gets a new one: the old one stays unknown.
    const again = await store.replies.issue(pair('stranger0@spam.example'), false);
    assert.notEqual(again, tokens[0]);
    assert.equal(await store.replies.find(tokens[0] ?? ''), null);
  });
}

test('sqlite: reply addresses survive a restart', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'plus-relay-replies-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const clock = testClock();
  const before = createSqliteStore({ location: { dataDir }, clock });
  const token = await before.replies.issue(pair('support@shop.example'), false);
  await before.close();
  const after = createSqliteStore({ location: { dataDir }, clock });
  t.after(() => after.close());
  assert.equal((await after.replies.find(token))?.contact, 'support@shop.example');
  assert.equal(await after.replies.issue(pair('support@shop.example'), false), token);
});
