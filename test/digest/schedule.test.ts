// The digest's schedule: digest.at in digest.timezone, computed with Intl (daylight saving included), fired by an
// in-process timer on the injected clock; a relay that starts later that day sends the day's digest once.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { API_KEY } from '../helpers/build.js';
import { until } from '../helpers/raw-post.js';
import { createMailgunTransport } from '../../src/forward/mailgun.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import type { Clock } from '../../src/clock.js';
import { localDate, runsAround, zonedInstant } from '../../src/digest/schedule.js';
import { clockAt, digestRelay } from './helpers.js';

test('08:00 in Berlin is 07:00 UTC in winter, 06:00 UTC in summer, and on both days the clocks change', () => {
  assert.equal(new Date(zonedInstant('2026-12-03', 8, 0, 'Europe/Berlin')).toISOString(), '2026-12-03T07:00:00.000Z');
  assert.equal(new Date(zonedInstant('2026-07-01', 8, 0, 'Europe/Berlin')).toISOString(), '2026-07-01T06:00:00.000Z');
  assert.equal(new Date(zonedInstant('2026-03-29', 8, 0, 'Europe/Berlin')).toISOString(), '2026-03-29T06:00:00.000Z');
  assert.equal(new Date(zonedInstant('2026-10-25', 8, 0, 'Europe/Berlin')).toISOString(), '2026-10-25T07:00:00.000Z');
  // 02:30 does not exist on the spring day (the clock jumps from 02:00 to 03:00): 03:30, that day. On the autumn
  // day it happens twice: the first.
  assert.equal(new Date(zonedInstant('2026-03-29', 2, 30, 'Europe/Berlin')).toISOString(), '2026-03-29T01:30:00.000Z');
  assert.equal(new Date(zonedInstant('2026-10-25', 2, 30, 'Europe/Berlin')).toISOString(), '2026-10-25T00:30:00.000Z');
  assert.equal(new Date(zonedInstant('2026-12-03', 23, 30, 'America/Los_Angeles')).toISOString(), '2026-12-04T07:30:00.000Z');
  assert.equal(localDate(Date.parse('2026-12-02T23:30:00Z'), 'Europe/Berlin'), '2026-12-03');
  assert.equal(localDate(Date.parse('2026-12-02T23:30:00Z'), 'UTC'), '2026-12-02');
  // At 08:00 the day's run is due; a minute later the next is tomorrow's.
  const berlin = { at: '08:00', hour: 8, minute: 0, timezone: 'Europe/Berlin' };
  assert.equal(new Date(runsAround(Date.parse('2026-03-28T07:01:00Z'), berlin).next).toISOString(), '2026-03-29T06:00:00.000Z');
});

/** A store with one leak an hour before `at`, and a transport that notes the clock's time of each send. */
async function leakyStore(t: TestContext, clock: Clock, at: number): Promise<Store> {
  const store = createSqliteStore({ location: ':memory:', clock });
  t.after(() => store.close());
  await store.inventory.record({ address: 'github@destroy.systems', at: at - 3600_000, outcome: 'forwarded', senderDomain: 'cheap-pills.example', newSender: true });
  return store;
}

for (const [season, eight] of [['winter', '2026-12-03T07:00:00Z'], ['summer', '2026-07-01T06:00:00Z']] as const) {
  test(`the timer sends the digest at 08:00 Europe/Berlin (${season}), not before`, async (t) => {
    const at = Date.parse(eight);
    const clock = clockAt(at - 150);
    const store = await leakyStore(t, clock, at);
    const sentAt: number[] = [];
    const { app, api } = await digestRelay(t, clock, {
      store,
      transport: (api, config) => {
        const real = createMailgunTransport({ apiKey: API_KEY, url: api.url, domain: 'destroy.systems', timeoutMs: config.env.MAILGUN_TIMEOUT_MS });
        return { name: real.name, send: (m) => (sentAt.push(clock.now()), real.send(m)) };
      },
    });
    assert.ok(await until(() => api.sent.length > 0, 3000), 'the digest was sent');
    assert.deepEqual(api.sent.map((m) => m.to[0]), ['personalemail+plus-relay@gmail.com']);
    assert.ok((sentAt[0] ?? 0) >= at, `sent at ${new Date(sentAt[0] ?? 0).toISOString()}, not before ${eight}`);
    assert.ok((sentAt[0] ?? Infinity) < at + 2000);
    await app.close();
  });
}

test('a relay that starts later that day sends the missed digest at once, and a restart after that does not send it again', async (t) => {
  const at = Date.parse('2026-12-03T09:00:00Z'); // 10:00 in Berlin, two hours after digest.at
  const clock = clockAt(at);
  const store = await leakyStore(t, clock, at);
  const first = await digestRelay(t, clock, { store });
  assert.ok(await until(() => first.api.sent.length > 0, 3000), 'the missed digest was sent at start');
  await first.app.close();

  clock.offsetMs += 300_000;
  const second = await digestRelay(t, clock, { store });
  assert.ok(await until(() => second.log.lines().some((l) => l.msg === 'digest run'), 3000), 'the restarted relay ran the day\'s digest');
  assert.deepEqual(second.api.sent, []);
  assert.equal(second.log.lines().find((l) => l.msg === 'digest run')?.sent, 0);
  await second.app.close();
});
