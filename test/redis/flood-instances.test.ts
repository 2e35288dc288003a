// The flood guard on two relay instances sharing one Redis and one Mailgun stand-in: one budget per target mailbox,
// whichever instance Mailgun posts to, also when the posts arrive at both at the same moment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedRedis } from '../helpers/redis.js';
import { twoInstances } from '../helpers/instances.js';
import { hourClock } from '../helpers/aligned-clock.js';
import { mail, overHttp, post, untilForwarded } from '../helpers/mail.js';

const rulesWith = (limits: string) => `domains: [destroy.systems]
limits: ${limits}
users:
  owner: "me+{service}@gmail.com"
rules:
  - match: "{service}"
    user: owner
`;

test('two instances on one Redis share each mailbox budget: 12 posts at once to both, 5 sent, 7 held', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const clock = hourClock();
  const { a, b, api } = await twoInstances(t, url, { clock, rules: rulesWith('{per_target: {per_minute: 5}}') });
  const messages = Array.from({ length: 12 }, (_, i) => mail(`shop${i}@destroy.systems`, { clock }));
  const answers = await Promise.all(messages.map((m, i) => post(i % 2 ? b.app : a.app, m)));
  const statuses = answers.map((r) => r.statusCode);
  assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join());
  assert.equal(statuses.filter((s) => s === 503).length, 7, statuses.join());
  assert.equal(api.sent.length, 5);
  clock.offsetMs += 60_000;
  const held = messages.filter((_, i) => statuses[i] === 503);
  const retries = await Promise.all(held.map((m, i) => post(i % 2 ? a.app : b.app, m)));
  assert.deepEqual(retries.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 200, 503, 503], 'their retries in the next minute: 5 more sent');
  assert.equal(api.sent.length, 10);
});

test('two instances on one Redis share the hour of new aliases: 9 new aliases at once, 6 forwarded, 3 held and sent in the next hour', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const clock = hourClock();
  const { a, b, api } = await twoInstances(t, url, { clock, rules: rulesWith('{new_aliases_per_hour: 6}') });
  const messages = Array.from({ length: 9 }, (_, i) => mail(`new${i}@destroy.systems`, { clock }));
  const answers = await Promise.all(messages.map((m, i) => post(i % 2 ? a.app : b.app, m)));
  assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 200, 200, 503, 503, 503], answers.map((r) => r.body).join('\n'));
  assert.equal(api.sent.length, 6);
  clock.offsetMs += 3600_000;
  const retries = await Promise.all(messages.filter((_, i) => answers[i]?.statusCode === 503).map((m, i) => post(i % 2 ? a.app : b.app, m)));
  assert.deepEqual(retries.map((r) => r.statusCode), [200, 200, 200]);
  assert.equal(api.sent.length, 9);
});

test('two instances on one Redis: a burst of 60 at once to one new alias costs one unit, and none is refused', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const clock = hourClock();
  const { a, b, api } = await twoInstances(t, url, { clock, rules: rulesWith('{new_aliases_per_hour: 2}') });
  const [toA, toB] = [await overHttp(a.app), await overHttp(b.app)];
  const burst = Array.from({ length: 60 }, () => mail('burst@destroy.systems', { clock }));
  const nextMinute = () => (clock.offsetMs += 60_000);
  const rounds = await untilForwarded(burst, (m, i) => (i % 2 ? toA : toB)(m), [nextMinute, nextMinute, nextMinute]);
  assert.ok(rounds.every((r) => r.filter((s) => s === 200).length <= 30), 'at most 30 a minute');
  // A send the API answered too late for the relay (a 502 on a loaded machine) may have gone out and goes again: each message is there.
  assert.equal(new Set(api.sent.map((s) => s.fields.subject?.[0])).size, 60, 'every message forwarded');
  nextMinute();
  assert.equal((await toB(mail('second@destroy.systems', { clock }))).statusCode, 200, 'the burst cost one of the two new aliases');
  assert.equal((await toA(mail('third@destroy.systems', { clock }))).statusCode, 503);
});
