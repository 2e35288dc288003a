// The failure log, two backends: what the events endpoint records and what the inventory and doctor read back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Failure } from '../../src/store/types.js';
import { testClock } from '../helpers/build.js';
import { backends } from '../helpers/stores.js';

const HOUR = 3600_000;

function failure(alias: string, target: string, at: number, more: Partial<Failure> = {}): Failure {
  return { alias, target, at, severity: 'permanent', reason: 'bounce', code: 550, message: '5.7.26 Unauthenticated email is not accepted', storageUrl: null, ...more };
}

for (const [name, backend] of Object.entries(backends)) {
  describe(`failure log on ${name}`, () => {
    test('counts per (alias, target), keeps the last failure; the summary adds up an alias over its targets', async (t) => {
      const clock = testClock();
      const pair = await backend.open(t, { clock });
      if (!pair) return;
      const [a, b] = [pair[0].failures, pair[1].failures];
      const now = clock.now();
      await a.record(failure('github@destroy.systems', 'me+github@gmail.com', now - 3000, { severity: 'temporary', reason: 'generic', code: 421, message: 'try later' }));
      await b.record(failure('github@destroy.systems', 'me+github@gmail.com', now - 2000));
      await a.record(failure('github@destroy.systems', 'partner+github@fastmail.com', now - 1000, { reason: 'suppress-bounce', code: 605, message: 'Not delivering to previously bounced address' }));
      await a.record(failure('shop@destroy.systems', 'me+shop@gmail.com', now - 500));

      const summary = await b.summary(['github@destroy.systems', 'nobody@destroy.systems', 'github@destroy.systems']);
      assert.deepEqual([...summary.keys()], ['github@destroy.systems'], 'aliases without failures are absent');
      assert.equal(summary.get('github@destroy.systems')?.failed, 3);
      assert.deepEqual(summary.get('github@destroy.systems')?.last, failure('github@destroy.systems', 'partner+github@fastmail.com', now - 1000, { reason: 'suppress-bounce', code: 605, message: 'Not delivering to previously bounced address' }));

      const recent = await a.recent(10);
      assert.deepEqual(recent.map((e) => [e.last.alias, e.last.target, e.count]), [
        ['shop@destroy.systems', 'me+shop@gmail.com', 1],
        ['github@destroy.systems', 'partner+github@fastmail.com', 1],
        ['github@destroy.systems', 'me+github@gmail.com', 2],
      ]);
      assert.deepEqual(recent[2]?.last, failure('github@destroy.systems', 'me+github@gmail.com', now - 2000), 'the last failure replaces the earlier one');
      assert.equal((await a.recent(1)).length, 1);
      assert.equal((await a.summary([])).size, 0);
    });

    test('a pair is forgotten once its last failure is older than the retention', async (t) => {
      const clock = testClock();
      const pair = await backend.open(t, { clock, failureLimits: { retentionMs: 24 * HOUR, maxPairs: 100 } });
      if (!pair) return;
      const log = pair[0].failures;
      await log.record(failure('old@destroy.systems', 'me+old@gmail.com', clock.now()));
      clock.offsetMs += 23 * HOUR;
      await log.record(failure('new@destroy.systems', 'me+new@gmail.com', clock.now()));
      assert.equal((await log.recent(10)).length, 2);
      clock.offsetMs += 2 * HOUR;
      assert.deepEqual((await log.recent(10)).map((e) => e.last.alias), ['new@destroy.systems']);
      assert.equal((await log.summary(['old@destroy.systems'])).size, 0);
      // A new failure of the forgotten pair starts counting again from one.
      await log.record(failure('old@destroy.systems', 'me+old@gmail.com', clock.now()));
      assert.equal((await log.summary(['old@destroy.systems'])).get('old@destroy.systems')?.failed, 1);
    });

    test('beyond maxPairs the pairs that failed longest ago are dropped; failing again keeps a pair', async (t) => {
      const clock = testClock();
      const pair = await backend.open(t, { clock, failureLimits: { retentionMs: 24 * HOUR, maxPairs: 3 } });
      if (!pair) return;
      const log = pair[0].failures;
      const at = clock.now();
      for (let i = 0; i < 3; i++) await log.record(failure(`a${i}@destroy.systems`, `me+a${i}@gmail.com`, at + i));
      await log.record(failure('a0@destroy.systems', 'me+a0@gmail.com', at + 10));
      for (let i = 3; i < 5; i++) await log.record(failure(`a${i}@destroy.systems`, `me+a${i}@gmail.com`, at + 10 + i));
      assert.deepEqual((await log.recent(100)).map((e) => e.last.alias), ['a4@destroy.systems', 'a3@destroy.systems', 'a0@destroy.systems']);
      assert.equal((await log.summary(['a0@destroy.systems'])).get('a0@destroy.systems')?.failed, 2);
    });

    test('the storage URL is kept with the last failure; a resend is noted for that failure only, and cleared when the pair fails anew', async (t) => {
      const clock = testClock();
      const pair = await backend.open(t, { clock });
      if (!pair) return;
      const [a, b] = [pair[0].failures, pair[1].failures];
      const at = clock.now();
      const url = 'https://storage-us-east4.api.mailgun.net/v3/domains/destroy.systems/messages/AgEFIRST';
      await a.record(failure('bank@destroy.systems', 'me+bank@gmail.com', at, { storageUrl: url }));
      const [entry] = await b.recent(1);
      assert.deepEqual(entry, { count: 1, last: failure('bank@destroy.systems', 'me+bank@gmail.com', at, { storageUrl: url }), resentAt: null });

      await b.markResent({ alias: 'bank@destroy.systems', target: 'me+bank@gmail.com', at: at - 1 }, at + 5);
      assert.equal((await a.recent(1))[0]?.resentAt, null, 'another failure of the pair (an older time) is not the one stored');
      await b.markResent({ alias: 'bank@destroy.systems', target: 'me+bank@gmail.com', at }, at + 10);
      assert.equal((await a.recent(1))[0]?.resentAt, at + 10);
      assert.equal((await a.summary(['bank@destroy.systems'])).get('bank@destroy.systems')?.resentAt, at + 10);

      const next = 'https://storage-us-east4.api.mailgun.net/v3/domains/destroy.systems/messages/AgESECOND';
      await b.record(failure('bank@destroy.systems', 'me+bank@gmail.com', at + 20, { storageUrl: next }));
      assert.deepEqual(await a.recent(1), [{ count: 2, last: failure('bank@destroy.systems', 'me+bank@gmail.com', at + 20, { storageUrl: next }), resentAt: null }]);
    });

    test('concurrent failures of one pair from two handles are all counted', async (t) => {
      const clock = testClock();
      const pair = await backend.open(t, { clock });
      if (!pair) return;
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? pair[1] : pair[0]).failures.record(failure('race@destroy.systems', 'me+race@gmail.com', clock.now() + i))));
      assert.equal((await pair[0].failures.summary(['race@destroy.systems'])).get('race@destroy.systems')?.failed, 20);
    });
  });
}
