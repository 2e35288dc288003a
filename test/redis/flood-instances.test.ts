// The flood guard on two relay instances sharing one Redis and one Mailgun stand-in: one budget per target mailbox,
// whichever instance Mailgun posts to, also when the posts arrive at both at the same moment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedRedis } from '../helpers/redis.js';
import { twoInstances } from '../helpers/instances.js';
import { hourClock } from '../helpers/aligned-clock.js';
import { mail, post } from '../helpers/mail.js';

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

test('two instances on one Redis share the hour of new aliases: 9 new aliases at once, 6 forwarded, 3 refused', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const clock = hourClock();
  const { a, b, api } = await twoInstances(t, url, { clock, rules: rulesWith('{new_aliases_per_hour: 6}') });
  const answers = await Promise.all(Array.from({ length: 9 }, (_, i) => post(i % 2 ? a.app : b.app, mail(`new${i}@destroy.systems`, { clock }))));
  assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 200, 200, 406, 406, 406], answers.map((r) => r.body).join('\n'));
  assert.equal(api.sent.length, 6);
});
