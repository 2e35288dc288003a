// The flood guard's counters, two backends, each opened twice (two instances on Redis, two processes' handles on one
// SQLite file): the count is shared, never overshoots under concurrent takes, and windows start afresh.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Budget } from '../../src/store/flood.js';
import { backends } from '../helpers/stores.js';

const MINUTE = 60_000;
const HOUR = 3600_000;
// A fixed instant at the start of an hour, so the test never straddles a window's edge.
const T0 = Date.UTC(2026, 11, 3, 6, 0, 0);
const perTarget = (limitMinute: number, limitHour: number, key = 'me@gmail.com'): Budget[] => [
  { key, windowMs: MINUTE, limit: limitMinute },
  { key, windowMs: HOUR, limit: limitHour },
];

for (const [name, backend] of Object.entries(backends)) {
  describe(`flood counters on ${name}`, () => {
    test('both handles share one count; a full window takes nothing; the next window starts from zero', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const [a, b] = [pair[0].flood, pair[1].flood];
      for (let i = 0; i < 3; i++) assert.ok('taken' in (await (i % 2 ? b : a).take(perTarget(3, 5), T0 + i)));
      const full = await b.take(perTarget(3, 5), T0 + 10);
      assert.deepEqual(full, { full: perTarget(3, 5)[0] }, 'the minute is full, on the other handle too');
      assert.ok('taken' in (await a.take(perTarget(3, 5, 'other@gmail.com'), T0 + 10)), 'another mailbox has its own budget');
      assert.ok('taken' in (await a.take(perTarget(3, 5), T0 + MINUTE)), 'a new minute');
      assert.ok('taken' in (await b.take(perTarget(3, 5), T0 + MINUTE + 1)));
      assert.deepEqual(await a.take(perTarget(3, 5), T0 + MINUTE + 2), { full: perTarget(3, 5)[1] }, 'the hour is full at 5 (the refused take counted nothing)');
      assert.ok('taken' in (await a.take(perTarget(3, 5), T0 + HOUR)), 'a new hour');
    });

    test('a unit given back is free again; giving it back twice frees it once (never a negative count)', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const [a, b] = [pair[0].flood, pair[1].flood];
      const first = await a.take(perTarget(1, 10), T0);
      assert.ok('taken' in first);
      assert.ok('full' in (await b.take(perTarget(1, 10), T0 + 1)));
      await b.giveBack(first.taken);
      const again = await b.take(perTarget(1, 10), T0 + 2);
      assert.ok('taken' in again);
      await a.giveBack(again.taken);
      await a.giveBack(again.taken);
      assert.ok('taken' in (await a.take(perTarget(1, 10), T0 + 3)), 'two give-backs of one unit free one unit, never a negative count');
      assert.ok('full' in (await a.take(perTarget(1, 10), T0 + 4)));
    });

    test('concurrent takes from both handles never pass the limit', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const takes = Array.from({ length: 40 }, (_, i) => pair[i % 2]!.flood.take(perTarget(30, 1800), T0 + 5));
      const results = await Promise.all(takes);
      assert.equal(results.filter((r) => 'taken' in r).length, 30);
    });

    test('a budget of members counts each member once, however often it is taken, on both handles', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const [a, b] = [pair[0].flood, pair[1].flood];
      const alias = (member: string): Budget[] => [{ key: 'new-alias:me@gmail.com', windowMs: HOUR, limit: 2, member }];
      // Sixty takes of one member at once, from both handles: all taken, one unit spent.
      const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => pair[i % 2]!.flood.take(alias('burst@destroy.systems'), T0 + 1)));
      assert.equal(burst.filter((r) => 'taken' in r).length, 60);
      assert.ok('taken' in (await a.take(alias('second@destroy.systems'), T0 + 2)), 'the second member of two');
      assert.deepEqual(await b.take(alias('third@destroy.systems'), T0 + 3), { full: alias('third@destroy.systems')[0] });
      // The member's unit is free again only when its last take is given back.
      for (const [i, r] of burst.slice(1).entries()) if ('taken' in r) await (i % 2 ? a : b).giveBack(r.taken);
      assert.ok('full' in (await b.take(alias('third@destroy.systems'), T0 + 4)), 'one take of the member is still kept');
      const first = burst[0];
      assert.ok(first && 'taken' in first);
      await a.giveBack(first.taken);
      await a.giveBack(first.taken);
      assert.ok('taken' in (await b.take(alias('third@destroy.systems'), T0 + 5)), 'its last take given back: the unit is free (given back twice: freed once)');
      assert.ok('full' in (await b.take(alias('fourth@destroy.systems'), T0 + 6)));
      assert.ok('taken' in (await a.take(alias('fourth@destroy.systems'), T0 + HOUR)), 'a new hour');
    });

    test('members and plain counters are all or none together', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const [a] = pair;
      const both = (member: string): Budget[] => [
        { key: 'new-alias:me@gmail.com', windowMs: HOUR, limit: 5, member },
        { key: 'me@gmail.com', windowMs: MINUTE, limit: 1 },
      ];
      assert.ok('taken' in (await a.flood.take(both('one@destroy.systems'), T0)));
      assert.deepEqual(await a.flood.take(both('two@destroy.systems'), T0 + 1), { full: both('two@destroy.systems')[1] });
      const members = Array.from({ length: 4 }, (_, i): Budget[] => [{ key: 'new-alias:me@gmail.com', windowMs: HOUR, limit: 5, member: `m${i}@destroy.systems` }]);
      for (const m of members) assert.ok('taken' in (await a.flood.take(m, T0 + 2)), 'the refused take left no member behind: four more fit');
      assert.ok('full' in (await a.flood.take(both('two@destroy.systems').slice(0, 1), T0 + 3)));
    });

    test('holds are remembered per (limit, mailbox) for a day, latest first', async (t) => {
      const pair = await backend.open(t);
      if (!pair) return;
      const [a, b] = [pair[0].flood, pair[1].flood];
      await a.note({ limit: 'per_minute', mailbox: 'me@gmail.com', max: 30 }, T0);
      await b.note({ limit: 'per_minute', mailbox: 'me@gmail.com', max: 30 }, T0 + 1000);
      await b.note({ limit: 'new_aliases_per_hour', mailbox: 'you@fastmail.com', max: 50 }, T0 + 2000);
      assert.deepEqual(await a.recent(T0 + 3000), [
        { limit: 'new_aliases_per_hour', mailbox: 'you@fastmail.com', max: 50, count: 1, first: T0 + 2000, last: T0 + 2000 },
        { limit: 'per_minute', mailbox: 'me@gmail.com', max: 30, count: 2, first: T0, last: T0 + 1000 },
      ]);
      assert.deepEqual(await b.recent(T0 + 1000 + 24 * HOUR), [{ limit: 'new_aliases_per_hour', mailbox: 'you@fastmail.com', max: 50, count: 1, first: T0 + 2000, last: T0 + 2000 }]);
      await a.note({ limit: 'per_minute', mailbox: 'me@gmail.com', max: 30 }, T0 + 25 * HOUR);
      assert.deepEqual((await b.recent(T0 + 25 * HOUR)).map((e) => [e.mailbox, e.count, e.first]), [['me@gmail.com', 1, T0 + 25 * HOUR]], 'a hold after a quiet day counts from one');
    });
  });
}
