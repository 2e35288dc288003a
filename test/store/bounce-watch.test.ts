// The bounce watch, two backends: removals of a target's bounce within a day are counted, and a target freed twice
// or more is listed (admin page, doctor) until a day has passed since its latest removal.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testClock } from '../helpers/build.js';
import { backends } from '../helpers/stores.js';

const HOUR = 3600_000;
const removal = (target: string, at: number, error = '550 5.7.26 DMARC') => ({ target, alias: 'github@destroy.systems', error, at });

for (const [name, backend] of Object.entries(backends)) {
  describe(`bounce watch on ${name}`, () => {
    test('counts removals within a day of the previous one; lists targets freed twice or more, latest first, until a day has passed', async (t) => {
      const clock = testClock();
      const pair = await backend.open(t, { clock });
      if (!pair) return;
      const [a, b] = [pair[0].bounces, pair[1].bounces];
      const start = clock.now();
      assert.equal(await a.removed(removal('me+github@gmail.com', start)), 1);
      assert.equal(await a.removed(removal('me+shop@gmail.com', start)), 1);
      assert.deepEqual(await b.repeated(10), [], 'one removal each: nothing to report');

      clock.offsetMs += 2 * HOUR;
      assert.equal(await b.removed(removal('me+github@gmail.com', start + 2 * HOUR, '550 5.7.1 spam')), 2, 'the other instance counts on');
      clock.offsetMs += HOUR;
      assert.equal(await a.removed(removal('me+github@gmail.com', start + 3 * HOUR)), 3);
      assert.equal(await a.removed(removal('me+shop@gmail.com', start + 3 * HOUR - 1)), 2);
      assert.deepEqual(await b.repeated(10), [
        { ...removal('me+github@gmail.com', start + 3 * HOUR), removals: 3, since: start },
        { ...removal('me+shop@gmail.com', start + 3 * HOUR - 1), removals: 2, since: start },
      ]);
      assert.equal((await b.repeated(1)).length, 1);

      // A day after the latest removal the warning is gone, and the next removal starts over.
      clock.offsetMs += 24 * HOUR;
      assert.deepEqual(await a.repeated(10), []);
      assert.equal(await a.removed(removal('me+github@gmail.com', clock.now())), 1);
    });
  });
}
