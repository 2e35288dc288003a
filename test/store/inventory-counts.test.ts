// The SQLite inventory keeps each message's counts in memory and writes them a second later (or before any listing,
// operator write or close), in whatever commit is under way: the relay's own reads see them at once, another
// process within a second, and a crash loses at most those counts — never a block, an add, a claim or a completion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { testClock } from '../helpers/build.js';
import { use } from '../helpers/alias-use.js';
import { tempDir } from '../helpers/temp-dir.js';

const T0 = Date.now() - 3600_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('counts wait in memory: this relay sees them at once, another process once they are flushed, every message counted', async (t) => {
  const dataDir = await tempDir(t, 'inventory-counts');
  const relay = createSqliteStore({ location: { dataDir }, clock: testClock(), countsFlushMs: 300 });
  const other = createSqliteStore({ location: { dataDir }, clock: testClock() });
  t.after(async () => {
    await relay.close();
    await other.close();
  });
  await relay.inventory.record(use('shop@d.example', T0, 'refused', 'shop.example'));
  await relay.inventory.record(use('shop@d.example', T0 + 1, 'forwarded', 'shop.example'));
  await relay.inventory.record(use('shop@d.example', T0 + 2, 'forwarded', 'news.example', true));
  assert.deepEqual(await relay.inventory.facts('shop@d.example', 'news.example'), { known: true, blocked: false, firstSeen: T0, senderSeen: true });
  assert.equal((await relay.inventory.facts('shop@d.example', 'other.example')).senderSeen, false);
  assert.deepEqual(await other.inventory.facts('shop@d.example', 'shop.example'), { known: false, blocked: false, firstSeen: null, senderSeen: false }, 'not written yet');

  await sleep(600);
  assert.deepEqual(await other.inventory.facts('shop@d.example', 'shop.example'), { known: true, blocked: false, firstSeen: T0, senderSeen: true });
  await relay.inventory.record(use('shop@d.example', T0 + 3, 'forwarded', 'shop.example'));
  const [entry] = await relay.inventory.list({ address: 'shop@d.example', limit: 1 });
  assert.deepEqual(entry, {
    address: 'shop@d.example',
    firstSeen: T0,
    lastSeen: T0 + 3,
    added: null,
    forwarded: 3,
    refused: 1,
    blocked: false,
    senders: [
      { domain: 'shop.example', count: 3, firstSeen: T0, lastSeen: T0 + 3, new: false },
      { domain: 'news.example', count: 1, firstSeen: T0 + 2, lastSeen: T0 + 2, new: true },
    ],
  });
});

test('counts on their way to the disk still count: a read between the flush and its commit sees them', async (t) => {
  const dataDir = await tempDir(t, 'inventory-counts');
  const relay = createSqliteStore({ location: { dataDir }, clock: testClock(), countsFlushMs: 60_000 });
  t.after(() => relay.close());
  await relay.inventory.record(use('first@d.example', T0, 'forwarded', 'shop.example'));
  const listed = relay.inventory.list({ limit: 10 }); // takes the counts for the next commit, a turn from now
  assert.deepEqual(await relay.inventory.facts('first@d.example', 'shop.example'), { known: true, blocked: false, firstSeen: T0, senderSeen: true });
  assert.deepEqual((await listed).map((e) => [e.address, e.forwarded]), [['first@d.example', 1]]);
});

test('counts kept in memory obey the caps as messages written one by one would: a domain beyond them stays new', async (t) => {
  const dataDir = await tempDir(t, 'inventory-counts');
  const limits = { maxLearnedAliases: 1, maxOperatorAliases: 5, maxImportedAliases: 5, maxSendersPerAlias: 2, transientTtlMs: 3600_000, learnedTtlMs: 3600_000 };
  const relay = createSqliteStore({ location: { dataDir }, clock: testClock(), inventoryLimits: limits, countsFlushMs: 60_000 });
  t.after(() => relay.close());
  for (const [i, domain] of ['one.example', 'two.example', 'three.example'].entries()) await relay.inventory.record(use('svc@d.example', T0 + i, 'forwarded', domain));
  assert.equal((await relay.inventory.facts('svc@d.example', 'two.example')).senderSeen, true);
  assert.equal((await relay.inventory.facts('svc@d.example', 'three.example')).senderSeen, false, 'a third domain will find no row: new at every message');
  await relay.inventory.record(use('junk@d.example', T0 + 5, 'refused', 'flood.example'));
  const list = await relay.inventory.list({ limit: 10 });
  assert.deepEqual(list.map((e) => [e.address, e.forwarded, e.senders.map((s) => s.domain)]), [['svc@d.example', 3, ['one.example', 'two.example']]], 'no room for a refused-only alias');
});

test('an operator write sees every message before it: a block made right after a message does not lose its count', async (t) => {
  const dataDir = await tempDir(t, 'inventory-counts');
  const relay = createSqliteStore({ location: { dataDir }, clock: testClock(), countsFlushMs: 60_000 });
  t.after(() => relay.close());
  await relay.inventory.record(use('new@d.example', T0, 'forwarded', 'shop.example'));
  const blocked = await relay.inventory.setBlocked('new@d.example', true, T0 + 1);
  assert.deepEqual([blocked.blocked, blocked.forwarded, blocked.firstSeen], [true, 1, T0]);
});

test('a crash loses at most the counts still in memory: a block, an add and a completion written before it are on disk', async (t) => {
  const dataDir = await tempDir(t, 'inventory-counts');
  const store = pathToFileURL(join(import.meta.dirname, '../../src/store/sqlite/index.ts')).href;
  // A relay process that records, blocks, adds and completes, then is killed before the counts' flush.
  const script = `
    import { createSqliteStore } from ${JSON.stringify(store)};
    const s = createSqliteStore({ location: { dataDir: ${JSON.stringify(dataDir)} }, clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }, countsFlushMs: 60000 });
    await s.inventory.record({ address: 'counted@d.example', at: ${T0}, outcome: 'forwarded', senderDomain: 'shop.example', newSender: false });
    await s.inventory.setBlocked('blocked@d.example', true, ${T0});
    await s.inventory.add('added@d.example', ${T0});
    await s.ledger.complete('delivery', 'sent', 3600000);
    await s.inventory.record({ address: 'lost@d.example', at: ${T0 + 1}, outcome: 'forwarded', senderDomain: 'shop.example', newSender: false });
    process.kill(process.pid, 'SIGKILL');`;
  assert.throws(() => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'pipe' }), /SIGKILL|signal/i);
  const after = createSqliteStore({ location: { dataDir }, clock: testClock() });
  t.after(() => after.close());
  assert.equal((await after.inventory.facts('blocked@d.example', null)).blocked, true);
  assert.equal((await after.inventory.facts('added@d.example', null)).known, true);
  assert.equal(await after.ledger.claim('delivery', 'sent', 'retry', 1000), 'used');
  const addresses = (await after.inventory.list({ limit: 10 })).map((e) => [e.address, e.forwarded]);
  // The first message's counts went to disk with the block (an operator write carries them); the last one's were lost.
  assert.deepEqual(addresses.sort(), [['added@d.example', 0], ['blocked@d.example', 0], ['counted@d.example', 1]]);
});
