// The flood guard through real HTTP, the Mailgun stand-in and real SQLite: a target mailbox gets at most
// limits.per_target forwards a minute and an hour (503 beyond, nothing sent, Mailgun's retry goes through once the
// window has passed), `+tags` share their mailbox's budget, only real sends count, and beyond new_aliases_per_hour mail
// to new aliases is held the same way until the hour ends. The relay's clock is moved, never waited for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { build } from '../helpers/build.js';
import { hourClock } from '../helpers/aligned-clock.js';
import { mail, post } from '../helpers/mail.js';
import { parseExposition } from '../helpers/prometheus.js';
import { ADMIN_TOKEN, basic } from '../helpers/admin.js';
import { isSend } from '../support/mailgun-api.js';
import { tempDir } from '../helpers/temp-dir.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';

const MINUTE = 60_000;
const HOUR = 3600_000;

const rulesWith = (extra: string) => `domains: [destroy.systems]
${extra}
users:
  owner: "me+{service}@gmail.com"
  partner:
    to: "partner+{service}@fastmail.com"
rules:
  - match: "{user}+{service}"
  - match: "{service}"
    user: owner
`;

function logSink() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
      done();
    },
  });
  return { lines, logger: { level: 'info', stream } };
}

const sentTo = (api: { sent: { to: string[] }[] }) => api.sent.map((s) => s.to[0]);

test('the 31st message in a minute to one target is held (503, nothing sent); after the minute its retry is sent', async (t) => {
  const clock = hourClock();
  const log = logSink();
  const { app, api } = await build(t, { clock, rules: rulesWith(''), app: { logger: log.logger } });
  for (let i = 0; i < 30; i++) assert.equal((await post(app, mail(`shop${i}@destroy.systems`, { clock }))).statusCode, 200);
  assert.equal(api.sent.length, 30);

  const held = mail('shop30@destroy.systems', { clock });
  const answer = await post(app, held);
  assert.equal(answer.statusCode, 503, answer.body);
  assert.equal(answer.json().status, 'over-limit');
  assert.match(answer.json().message, /me@gmail\.com has had its 30 forwards this minute/);
  assert.equal(api.sent.length, 30, 'nothing sent');
  assert.equal((await post(app, held)).statusCode, 503, "Mailgun's retry within the minute is held too");
  assert.equal((await post(app, mail('shop31@destroy.systems', { clock }))).statusCode, 503);

  const warnings = log.lines.filter((l) => l.level === 40 && String(l.msg).startsWith('flood guard'));
  assert.equal(warnings.length, 1, 'one warning a minute per mailbox, however many are held');
  assert.deepEqual([warnings[0]?.mailbox, warnings[0]?.limit, warnings[0]?.max], ['me@gmail.com', 'per_minute', 30]);
  assert.equal(log.lines.filter((l) => l.level === 50).length, 0, 'a held message is not an error');
  const metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(metrics.value('plus_relay_flood_guard_total', { limit: 'per_minute' }), 3);
  assert.equal(metrics.value('plus_relay_deliveries_total', { outcome: 'over-limit' }), 3);

  clock.offsetMs += MINUTE;
  const retried = await post(app, held);
  assert.equal(retried.statusCode, 200, retried.body);
  assert.equal(retried.json().status, 'forwarded');
  assert.equal(sentTo(api).at(-1), 'me+shop30@gmail.com');
  assert.equal((await post(app, held)).json().status, 'duplicate', 'sent once');
});

test("+tags share their mailbox's budget (me+a and me+b are one Gmail account); another mailbox has its own", async (t) => {
  const clock = hourClock();
  const { app, api } = await build(t, { clock, rules: rulesWith('limits: {per_target: {per_minute: 3}}') });
  for (const alias of ['github', 'gitlab', 'bitbucket']) assert.equal((await post(app, mail(`${alias}@destroy.systems`, { clock }))).statusCode, 200);
  const held = await post(app, mail('codeberg@destroy.systems', { clock }));
  assert.equal(held.statusCode, 503);
  assert.equal(held.json().status, 'over-limit');
  assert.equal((await post(app, mail('partner+shop@destroy.systems', { clock }))).statusCode, 200, "the partner's mailbox is not the owner's");
  assert.deepEqual(sentTo(api), ['me+github@gmail.com', 'me+gitlab@gmail.com', 'me+bitbucket@gmail.com', 'partner+shop@fastmail.com']);
});

test('per_hour holds across minutes until the hour ends; a user sets its own limits over the top level', async (t) => {
  const clock = hourClock();
  const rules = `domains: [destroy.systems]
limits: {per_target: {per_minute: 2, per_hour: 3}}
users:
  owner: "me+{service}@gmail.com"
  partner:
    to: "partner+{service}@fastmail.com"
    limits: {per_target: {per_minute: 1}}
rules:
  - match: "{user}+{service}"
  - match: "{service}"
    user: owner
`;
  const { app, api } = await build(t, { clock, rules });
  const send = async (to: string) => (await post(app, mail(to, { clock }))).statusCode;
  assert.deepEqual([await send('a@destroy.systems'), await send('b@destroy.systems'), await send('c@destroy.systems')], [200, 200, 503]);
  clock.offsetMs += MINUTE;
  const late = await post(app, mail('d@destroy.systems', { clock }));
  assert.equal(late.statusCode, 200);
  const overHour = await post(app, mail('e@destroy.systems', { clock }));
  assert.equal(overHour.statusCode, 503);
  assert.match(overHour.json().message, /3 forwards this hour \(limits per_hour\)/);
  clock.offsetMs += 30 * MINUTE;
  assert.equal(await send('f@destroy.systems'), 503, 'still the same hour');
  clock.offsetMs += 30 * MINUTE;
  assert.equal(await send('g@destroy.systems'), 200, 'a new hour');

  assert.deepEqual([await send('partner+a@destroy.systems'), await send('partner+b@destroy.systems')], [200, 503], "the partner's per_minute is 1, its per_hour the top level's");
  assert.equal(api.sent.length, 5);
});

test('only what was really sent counts: a duplicate takes nothing, a failed send gives its unit back', async (t) => {
  const clock = hourClock();
  const { app, api } = await build(t, { clock, rules: rulesWith('limits: {per_target: {per_minute: 2}}') });
  const first = mail('github@destroy.systems', { clock });
  assert.equal((await post(app, first)).statusCode, 200);
  assert.equal((await post(app, first)).json().status, 'duplicate', 'a replay of the same post');

  api.failWhen(isSend, { kind: 'status', status: 500 }, 1);
  const failing = mail('gitlab@destroy.systems', { clock });
  assert.equal((await post(app, failing)).statusCode, 502, 'the API failed: Mailgun retries');
  const retried = await post(app, failing);
  assert.equal(retried.statusCode, 200, `the retry is the second forward of the minute, not the third: ${retried.body}`);
  assert.equal((await post(app, mail('gist@destroy.systems', { clock }))).statusCode, 503, 'two were sent: the budget is spent');
  assert.deepEqual(sentTo(api), ['me+github@gmail.com', 'me+gitlab@gmail.com']);
});

test('new_aliases_per_hour: beyond it, mail to new aliases is held (503) until the hour ends; known ones keep working; the page says so', async (t) => {
  const clock = hourClock();
  const { app, api, store } = await build(t, { clock, env: { ADMIN_TOKEN }, rules: rulesWith('limits: {new_aliases_per_hour: 2}') });
  await store.inventory.add('added@destroy.systems', clock.now());
  for (const alias of ['one', 'two']) assert.equal((await post(app, mail(`${alias}@destroy.systems`, { clock }))).statusCode, 200);
  const three = mail('three@destroy.systems', { clock });
  const held = await post(app, three);
  assert.equal(held.statusCode, 503, held.body);
  assert.equal(held.json().status, 'over-limit');
  assert.match(held.json().message, /^policy new-alias-limit: flood guard: me@gmail\.com has had its 2 new aliases from unauthenticated senders this hour \(limits new_aliases_per_hour\); held, Mailgun retries$/);
  assert.equal((await post(app, mail('four@destroy.systems', { clock }))).statusCode, 503);
  assert.equal((await post(app, mail('one@destroy.systems', { clock }))).statusCode, 200, 'an alias forwarded before is known');
  assert.equal((await post(app, mail('added@destroy.systems', { clock }))).statusCode, 200, 'an alias added ahead of time is known');
  assert.equal((await post(app, mail('partner+new@destroy.systems', { clock }))).statusCode, 200, "another mailbox's new aliases are its own");
  assert.deepEqual(sentTo(api), ['me+one@gmail.com', 'me+two@gmail.com', 'me+one@gmail.com', 'me+added@gmail.com', 'partner+new@fastmail.com']);

  const metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(metrics.value('plus_relay_flood_guard_total', { limit: 'new_aliases_per_hour' }), 2);
  assert.equal(metrics.value('plus_relay_policy_refusals_total', { reason: 'new-alias-limit' }), 0, 'held, not refused');
  assert.equal(metrics.value('plus_relay_deliveries_total', { outcome: 'over-limit' }), 2);
  const page = await app.inject({ method: 'GET', url: '/admin', headers: { ...basic(), accept: 'text/html' } });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<strong>Flood guard<\/strong>, last 24 h: held by the flood guard: 2 messages to new aliases of me@gmail\.com \(new_aliases_per_hour 2; Mailgun retries them\)/);

  clock.offsetMs += HOUR;
  assert.equal((await post(app, three)).statusCode, 200, "Mailgun's retry in a new hour");
  assert.equal(sentTo(api).at(-1), 'me+three@gmail.com');
});

test('a new alias whose send failed gives its new-alias unit back', async (t) => {
  const clock = hourClock();
  const { app, api } = await build(t, { clock, rules: rulesWith('limits: {new_aliases_per_hour: 1}') });
  api.failWhen(isSend, { kind: 'status', status: 500 }, 1);
  const first = mail('one@destroy.systems', { clock });
  assert.equal((await post(app, first)).statusCode, 502);
  assert.equal((await post(app, first)).statusCode, 200, 'its retry is still the first new alias of the hour');
  assert.equal((await post(app, mail('two@destroy.systems', { clock }))).statusCode, 503);
});

test('a token posted twice at once, then replayed, to a new alias costs one new alias: units asked for before the token is claimed are given back', async (t) => {
  const clock = hourClock();
  const { app, api } = await build(t, { clock, rules: rulesWith('limits: {new_aliases_per_hour: 2}') });
  const first = mail('one@destroy.systems', { clock });
  const copies = await Promise.all([post(app, first), post(app, first)]);
  assert.deepEqual(copies.map((r) => r.json<{ status: string }>().status).sort(), ['duplicate', 'forwarded']);
  assert.equal((await post(app, first)).json<{ status: string }>().status, 'duplicate');
  assert.equal((await post(app, mail('two@destroy.systems', { clock }))).statusCode, 200, 'the second new alias of the hour');
  assert.equal((await post(app, mail('three@destroy.systems', { clock }))).statusCode, 503);
  assert.deepEqual(sentTo(api), ['me+one@gmail.com', 'me+two@gmail.com']);
});

test('the page shows held messages; without holds it shows no flood line', async (t) => {
  const clock = hourClock();
  const { app } = await build(t, { clock, env: { ADMIN_TOKEN }, rules: rulesWith('limits: {per_target: {per_minute: 1}}') });
  const page = async () => (await app.inject({ method: 'GET', url: '/admin', headers: { ...basic(), accept: 'text/html' } })).body;
  assert.doesNotMatch(await page(), /Flood guard/);
  assert.equal((await post(app, mail('a@destroy.systems', { clock }))).statusCode, 200);
  assert.equal((await post(app, mail('b@destroy.systems', { clock }))).statusCode, 503);
  assert.match(await page(), /Flood guard<\/strong>, last 24 h: held by the flood guard: 1 message to me@gmail\.com \(per_minute 1; Mailgun retries them\), last at <time/);
});

test('two relays on one DATA_DIR (SQLite) share the count', async (t) => {
  const clock = hourClock();
  const dataDir = await tempDir(t, 'flood');
  const relay = async () => {
    const store = createSqliteStore({ location: { dataDir }, clock });
    t.after(() => store.close());
    return build(t, { clock, store, rules: rulesWith('limits: {per_target: {per_minute: 4}}') });
  };
  const [a, b] = [await relay(), await relay()];
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post((i % 2 ? a : b).app, mail(`shop${i}@destroy.systems`, { clock }))));
  assert.deepEqual(answers.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 503, 503, 503, 503]);
  assert.equal(a.api.sent.length + b.api.sent.length, 4);
});
