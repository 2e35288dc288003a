// The flood guard's new-alias budget never costs the owner a message: mail to a new alias beyond it is held (503,
// Mailgun retries), never refused; a new alias costs one unit however many messages it gets; a message held by the
// per-minute limit keeps none; and a DKIM-authenticated sender domain has its own share, so a stranger spending the
// rest never holds back a shop's confirmation. Real HTTP to a listening relay, real SQLite, the Mailgun stand-in,
// DKIM keys served by the loopback DNS server. The relay's clock is moved, never waited for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { build } from '../helpers/build.js';
import { hourClock } from '../helpers/aligned-clock.js';
import { dkimMail, mail, overHttp, untilForwarded, type Mail } from '../helpers/mail.js';

const MINUTE = 60_000;
const HOUR = 3600_000;
// When Mailgun retries a message it got a 503 for, in minutes after the first attempt (10m, 10m, 15m, 30m, 1h, 2h,
// 4h: about 8 hours); after the last it gives up.
const MAILGUN_RETRIES = [10, 20, 35, 65, 125, 245, 485];

const rulesWith = (limits: string) => `domains: [destroy.systems]
${limits}
users:
  owner: "me+{service}@gmail.com"
rules:
  - match: "{service}"
    user: owner
`;
// The per-minute and per-hour forward limits out of the way: what is measured is the new-alias budget alone.
const FORWARDS_UNLIMITED = 'per_target: {per_minute: 100000, per_hour: 100000}';

// Counted exactly: a Mailgun API stand-in slowed by a loaded machine must not turn a forward into a 502.
const PATIENT = { MAILGUN_TIMEOUT_MS: '20000' };

const sentTo = (api: { sent: { to: string[] }[] }) => api.sent.map((s) => s.to[0]);
const randomAlias = () => `${randomUUID().slice(0, 12)}@destroy.systems`;

test("a migrating owner: 120 messages to 120 new aliases over two minutes, none refused, each forwarded once within Mailgun's retries", async (t) => {
  const clock = hourClock();
  const start = clock.now();
  const at = (ms: number) => {
    clock.offsetMs += start + ms - clock.now();
  };
  const { app, api } = await build(t, { clock, env: PATIENT, rules: rulesWith('') });
  const post = await overHttp(app);

  // The default limits: 30 forwards a minute, 50 new aliases an hour. Unauthenticated senders (parsed mode), the worst case.
  let held: Array<{ i: number; m: Mail }> = [];
  for (let i = 0; i < 120; i++) {
    at(i * 1000);
    const m = mail(`service${i}@destroy.systems`, { from: `Service ${i} <news@service${i}.example>`, clock });
    const answer = await post(m);
    assert.ok(answer.statusCode === 200 || answer.statusCode === 503, `message ${i}: ${answer.statusCode} ${answer.body}`);
    if (answer.statusCode === 503) held.push({ i, m });
  }
  assert.equal(api.sent.length, 50, 'the first hour: its 50 new aliases');
  assert.equal(held.length, 70, 'the rest held, none refused');

  const rounds: number[] = [];
  for (const minutes of MAILGUN_RETRIES) {
    const still: typeof held = [];
    for (const h of held) {
      at(h.i * 1000 + minutes * MINUTE);
      const answer = await post(h.m);
      assert.ok(answer.statusCode === 200 || answer.statusCode === 503, `retry of message ${h.i} after ${minutes} min: ${answer.statusCode} ${answer.body}`);
      if (answer.statusCode === 503) still.push(h);
    }
    rounds.push(held.length - still.length);
    held = still;
  }
  assert.deepEqual(held, [], 'every held message was forwarded before Mailgun gave up');
  assert.deepEqual(rounds, [0, 0, 0, 50, 20, 0, 0], 'forwarded by the retries in the second and third hours');
  assert.equal(api.sent.length, 120);
  assert.equal(new Set(sentTo(api)).size, 120, 'each once');
});

test("a stranger's flood never holds back a DKIM-authenticated confirmation to a new alias; it only spends its own pool", async (t) => {
  const clock = hourClock();
  const { app, api, dns } = await build(t, { clock, env: PATIENT, rules: rulesWith(`limits: {${FORWARDS_UNLIMITED}}`) });
  const post = await overHttp(app);
  const signed = async (to: string, from: string, signedBy?: string) => {
    const { mail: m, records } = await dkimMail(to, { from, clock, ...(signedBy && { signedBy }) });
    Object.assign(dns.txt, records);
    return m;
  };

  // 60 unauthenticated messages (raw mode, no signature) from 60 random domains: they share one pool of 50.
  const strangers: number[] = [];
  for (let i = 0; i < 60; i++) strangers.push((await post(mail(randomAlias(), { raw: true, from: `Win <win@${randomUUID().slice(0, 8)}.example>`, clock }))).statusCode);
  assert.deepEqual(strangers, [...Array(50).fill(200), ...Array(10).fill(503)], 'beyond the pool: held, never refused');

  // 30 DKIM-signed from one attacker domain: its own pool.
  const attacker: number[] = [];
  for (let i = 0; i < 30; i++) attacker.push((await post(await signed(randomAlias(), 'Promo <promo@attacker.example>'))).statusCode);
  assert.deepEqual(attacker, Array(30).fill(200));

  const confirmation = await post(await signed('shop@destroy.systems', 'Shop <confirm@shop.example>'));
  assert.equal(confirmation.statusCode, 200, confirmation.body);
  assert.equal(confirmation.json().status, 'forwarded');
  assert.equal(sentTo(api).at(-1), 'me+shop@gmail.com', 'forwarded at once');

  // The attacker keeps going: its own pool runs out, shop.example's does not.
  const more: number[] = [];
  for (let i = 0; i < 21; i++) more.push((await post(await signed(randomAlias(), 'Promo <promo@attacker.example>'))).statusCode);
  assert.deepEqual(more, [...Array(20).fill(200), 503]);
  const held = await post(await signed(randomAlias(), 'Promo <promo@attacker.example>'));
  assert.match(held.json().message, /has had its 50 new aliases from attacker\.example \(DKIM-authenticated\) this hour/);
  assert.equal((await post(await signed('shop-newsletter@destroy.systems', 'Shop <news@shop.example>'))).statusCode, 200, "shop.example's second new alias");

  // Claiming to be shop.example without its signature spends the strangers' pool (spent): held, shop.example's untouched.
  const forged = await post(mail(randomAlias(), { raw: true, from: 'Shop <confirm@shop.example>', clock }));
  assert.equal(forged.statusCode, 503, forged.body);
  assert.match(forged.json().message, /new aliases from unauthenticated senders this hour/);
  // So does a signature that verifies but is a third party's, not aligned with From.
  const thirdParty = await post(await signed(randomAlias(), 'Shop <confirm@shop.example>', 'mailer.example'));
  assert.equal(thirdParty.statusCode, 503, thirdParty.body);
  assert.match(thirdParty.json().message, /from unauthenticated senders/);
  assert.equal(api.sent.length, 50 + 30 + 1 + 20 + 1);
});

test('a burst of 60 at once to one new alias: it costs one unit, nothing is refused, the held ones go out on retry', async (t) => {
  const clock = hourClock();
  const { app, api } = await build(t, { clock, rules: rulesWith('limits: {new_aliases_per_hour: 2}') });
  const post = await overHttp(app);
  const burst = Array.from({ length: 60 }, () => mail('burst@destroy.systems', { clock }));
  const nextMinute = () => (clock.offsetMs += MINUTE);
  const rounds = await untilForwarded(burst, post, [nextMinute, nextMinute, nextMinute]);
  assert.ok(rounds.every((r) => r.filter((s) => s === 200).length <= 30), 'at most 30 a minute');
  assert.ok((rounds[0] ?? []).filter((s) => s === 503).length >= 30, 'the per-minute limit holds the rest, never a refusal');
  // A send the API answered too late for the relay (a 502 on a loaded machine) may have gone out and goes again: each message is there.
  assert.equal(new Set(api.sent.map((s) => s.fields.subject?.[0])).size, 60, 'every message forwarded');

  clock.offsetMs += MINUTE;
  assert.equal((await post(mail('second@destroy.systems', { clock }))).statusCode, 200, 'the burst cost one of the two new aliases');
  const third = mail('third@destroy.systems', { clock });
  assert.equal((await post(third)).statusCode, 503, 'two spent');
  clock.offsetMs += HOUR;
  assert.equal((await post(third)).statusCode, 200, 'retried in the next hour');
});

test('a message held by the per-minute limit keeps no new-alias unit', async (t) => {
  const clock = hourClock();
  const { app, api } = await build(t, { clock, rules: rulesWith('limits: {new_aliases_per_hour: 2, per_target: {per_minute: 1}}') });
  const post = await overHttp(app);
  const [a, b, c] = ['a', 'b', 'c'].map((alias) => mail(`${alias}@destroy.systems`, { clock }));
  assert.equal((await post(a!)).statusCode, 200);
  const heldByMinute = [await post(b!), await post(c!)];
  assert.deepEqual(heldByMinute.map((r) => r.statusCode), [503, 503]);
  assert.match(heldByMinute[0]?.json().message ?? '', /1 forwards this minute/);

  clock.offsetMs += MINUTE;
  assert.equal((await post(b!)).statusCode, 200, 'the second new alias of the hour: b and c kept nothing while held');
  clock.offsetMs += MINUTE;
  const full = await post(c!);
  assert.equal(full.statusCode, 503, full.body);
  assert.match(full.json().message, /^policy new-alias-limit: .*2 new aliases/);
  clock.offsetMs += HOUR;
  assert.equal((await post(c!)).statusCode, 200);
  assert.deepEqual(sentTo(api), ['me+a@gmail.com', 'me+b@gmail.com', 'me+c@gmail.com']);
});
