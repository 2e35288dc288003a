// How many times one forwarded message waits for the store. The group commit (SQLite) puts every write issued in
// one turn of the event loop in one commit, and Redis sends the commands of one turn in one round trip, so the
// number of turns the delivery's writes are issued in is what a message costs the store. The real store of each
// backend is wrapped (passed in, nothing patched) to note the turn of each write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, RULES, SIGNING_KEY } from '../helpers/build.js';
import { hourClock } from '../helpers/aligned-clock.js';
import { backends } from '../helpers/stores.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';
import type { Store } from '../../src/store/types.js';

/** The store's writes, each with the turn it was issued in (the turn ends at the next setImmediate). */
function turnsOf(store: Store): { store: Store; writes: Array<{ what: string; turn: number }> } {
  const writes: Array<{ what: string; turn: number }> = [];
  let turn = 0;
  let open = false;
  const note = (what: string): void => {
    if (!open) {
      open = true;
      setImmediate(() => {
        open = false;
        turn++;
      });
    }
    writes.push({ what, turn });
  };
  const { ledger, flood, inventory } = store;
  return {
    writes,
    store: {
      ...store,
      kind: store.kind,
      health: () => store.health(),
      close: () => store.close(),
      ledger: {
        claim: (space, key, owner, ttl) => (note(`claim ${space}`), ledger.claim(space, key, owner, ttl)),
        complete: (space, key, ttl) => (note(`complete ${space}`), ledger.complete(space, key, ttl)),
        release: (space, key, owner) => (note(`release ${space}`), ledger.release(space, key, owner)),
        bind: (token, endpoint, ttl) => (note('bind'), ledger.bind(token, endpoint, ttl)),
        claimDelivery: (token, pairs, owner, ttl) => (note('claim token and pairs'), ledger.claimDelivery(token, pairs, owner, ttl)),
      },
      flood: {
        ...flood,
        recent: (now) => flood.recent(now),
        take: (budgets, now) => (note('flood take'), flood.take(budgets, now)),
        giveBack: (taken) => (note('flood give back'), flood.giveBack(taken)),
        note: (hold, now) => (note('flood note'), flood.note(hold, now)),
      },
      inventory: {
        ...inventory,
        facts: (address, sender) => inventory.facts(address, sender),
        list: (query) => inventory.list(query),
        size: () => inventory.size(),
        blockedCount: () => inventory.blockedCount(),
        add: (address, at, description) => inventory.add(address, at, description),
        setBlocked: (address, blocked, at) => inventory.setBlocked(address, blocked, at),
        record: (use) => (note('record'), inventory.record(use)),
      },
    },
  };
}

/** The same recipient and subject make the same message: a new call is a redelivery under a new token. */
function signedPost(recipient: string, subject: string, at = new Date()) {
  const block = freshSignatureBlock(SIGNING_KEY, at);
  const fields = [...sampleMessage({ recipient, subject }).fields, ['timestamp', block.timestamp] as const, ['token', block.token] as const, ['signature', block.signature] as const];
  const body = parsedUrlencoded(fields);
  return { method: 'POST' as const, url: '/mailgun/inbound', payload: body.payload, headers: body.headers };
}

for (const [name, backend] of Object.entries(backends)) {
  test(`${name}: a message to one target, forwarded the first time, waits for the store three times`, async (t) => {
    const opened = await backend.open(t);
    if (!opened) return t.skip('no redis-server');
    const { store, writes } = turnsOf(opened[0]);
    const { app, api } = await build(t, { store });
    // The alias is known after its first forward: the second message is the common case (no new-alias budget).
    assert.equal((await app.inject(signedPost('owner+shop@destroy.systems', 'first'))).statusCode, 200);
    writes.length = 0;
    const res = await app.inject(signedPost('owner+shop@destroy.systems', 'second'));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(api.sent.length, 2);
    const turns = [...new Set(writes.map((w) => w.turn))].map((turn) => writes.filter((w) => w.turn === turn).map((w) => w.what).sort());
    assert.deepEqual(turns, [['bind'], ['claim token and pairs', 'flood take'], ['complete delivery', 'complete token', 'record']]);
  });
}

for (const [name, backend] of Object.entries(backends)) {
  test(`${name}: a redelivery under a new token takes no forward: the unit asked for beside its claim is given back`, async (t) => {
    const opened = await backend.open(t);
    if (!opened) return t.skip('no redis-server');
    const clock = hourClock();
    const { app, api } = await build(t, { clock, store: opened[0], rules: `${RULES}limits:\n  per_target: {per_minute: 2}\n` });
    const at = () => new Date(clock.now());
    assert.equal((await app.inject(signedPost('owner+shop@destroy.systems', 'one', at()))).json().status, 'forwarded');
    for (let i = 0; i < 3; i++) assert.equal((await app.inject(signedPost('owner+shop@destroy.systems', 'one', at()))).json().status, 'duplicate');
    const second = await app.inject(signedPost('owner+shop@destroy.systems', 'two', at()));
    assert.equal(second.json().status, 'forwarded', `the second forward of the minute: ${second.body}`);
    assert.equal((await app.inject(signedPost('owner+shop@destroy.systems', 'three', at()))).statusCode, 503, 'two were sent: the budget is spent');
    assert.equal(api.sent.length, 2);
  });
}
