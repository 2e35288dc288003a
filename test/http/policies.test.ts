// Policies through real HTTP, the Mailgun stand-in and real SQLite: each policy with its outcomes, the leak signal
// (inventory, log line, metrics), new_aliases, and what is (never) recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { build, testClock } from '../helpers/build.js';
import { mail, post } from '../helpers/mail.js';
import { parseExposition } from '../helpers/prometheus.js';

const DAY = 86_400_000;

const rulesWith = (policy: string) => `domains: [destroy.systems]
${policy}
users:
  owner: "me+{service}@gmail.com"
rules:
  - match: "{service}"
    user: owner
`;

const to = (api: { sent: { to: string[] }[] }) => api.sent.map((s) => s.to[0]);

test('spam: Mailgun\'s marking in parsed mode (message-headers) and raw mode (MIME), with each outcome', async (t) => {
  for (const [then, status, sent] of [
    ['forward', 200, ['me+shop@gmail.com']],
    ['reject', 406, []],
    ['{to: "me+spam.{service}@gmail.com"}', 200, ['me+spam.shop@gmail.com']],
  ] as const) {
    for (const raw of [false, true]) {
      const { app, api } = await build(t, { rules: rulesWith(`spam:\n  score_above: 5\n  then: ${then}`) });
      const flagged = await post(app, mail('shop@destroy.systems', { spam: { flag: 'Yes', score: '9.1' }, raw }));
      assert.equal(flagged.statusCode, status, `${then} ${raw ? 'raw' : 'parsed'}: ${flagged.body}`);
      assert.deepEqual(to(api), sent);
      const clean = await post(app, mail('shop@destroy.systems', { spam: { flag: 'No', score: '0.3' }, raw }));
      assert.equal(clean.statusCode, 200);
      assert.equal(to(api).at(-1), 'me+shop@gmail.com', 'clean mail goes to the route target');
    }
  }
  const { app, api } = await build(t, { rules: rulesWith('spam:\n  score_above: 5\n  then: reject') });
  assert.equal((await post(app, mail('shop@destroy.systems', { spam: { flag: 'No', score: '5.5' } }))).statusCode, 406, 'a score above score_above is spam too');
  assert.equal((await post(app, mail('shop@destroy.systems', { spam: { flag: 'No', score: '4.9' } }))).statusCode, 200);
  assert.equal(api.sent.length, 1);
});

test('leaks: a sender domain first seen after the learning period is new: flagged, logged, counted, and its policy applies', async (t) => {
  for (const [then, status, sent] of [
    ['forward', 200, 'me+github@gmail.com'],
    ['reject', 406, undefined],
    ['{to: "me+leaked.{service}@gmail.com"}', 200, 'me+leaked.github@gmail.com'],
  ] as const) {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write(chunk: Buffer, _e, done) { lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)); done(); } });
    const clock = testClock();
    const { app, api, store } = await build(t, { clock, rules: rulesWith(`leaks:\n  learn: 7d\n  then: ${then}`), app: { logger: { level: 'info', stream } } });
    const github = 'GitHub <noreply@github.com>';
    assert.equal((await post(app, mail('github@destroy.systems', { from: github, clock }))).statusCode, 200);
    clock.offsetMs += 2 * DAY;
    assert.equal((await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@mail.github.com>', sender: 'bounces@githubmail.example', clock }))).statusCode, 200, 'a second domain while learning');
    clock.offsetMs += 6 * DAY;
    assert.equal((await post(app, mail('github@destroy.systems', { from: github, clock }))).statusCode, 200, 'a known domain after learning');
    const leak = await post(app, mail('github@destroy.systems', { from: 'Pills <offers@cheap-pills.example>', clock }));
    assert.equal(leak.statusCode, status, `${then}: ${leak.body}`);
    assert.equal(api.sent.length, sent ? 4 : 3);
    if (sent) assert.equal(to(api).at(-1), sent);

    const [alias] = await store.inventory.list({ address: 'github@destroy.systems', limit: 1 });
    assert.deepEqual(alias?.senders.map((s) => [s.domain, s.count, s.new]), [['github.com', 3, false], ['cheap-pills.example', 1, true]]);
    assert.deepEqual([alias?.forwarded, alias?.refused], sent ? [4, 0] : [3, 1]);
    const logged = lines.filter((l) => l.msg === 'delivery');
    assert.deepEqual(logged.map((l) => l.newSender), [undefined, undefined, undefined, 'cheap-pills.example'], 'the log line names the new sender domain');
    assert.deepEqual(logged.map((l) => l.level), [30, 30, 30, 40], 'the leak signal is a warning, whatever the policy did');
    const metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
    assert.equal(metrics.value('plus_relay_leak_signals_total'), 1);
    assert.equal(metrics.value('plus_relay_policy_refusals_total', { reason: 'leak' }), then === 'reject' ? 1 : 0);
    assert.equal(metrics.value('plus_relay_policy_redirects_total', { reason: 'leak' }), then.startsWith('{') ? 1 : 0);
  }
});

test('senders: block refuses on the From or the envelope sender; allow admits only what it names', async (t) => {
  const { app, api } = await build(t, {
    rules: `domains: [destroy.systems]
senders:
  block: [spam.example, bad@other.example]
users:
  owner: "me+{service}@gmail.com"
  bank:
    to: "me+bank@gmail.com"
    senders:
      allow: [bank.example]
rules:
  - match: "bank"
    user: bank
  - match: "{service}"
    user: owner
`,
  });
  const cases = [
    ['shop@destroy.systems', 'Deals <deals@mail.spam.example>', undefined, 406],
    ['shop@destroy.systems', 'Nice <nice@shop.example>', 'bounce@spam.example', 406],
    ['shop@destroy.systems', 'Bad <bad@other.example>', undefined, 406],
    ['shop@destroy.systems', 'Good <good@other.example>', undefined, 200],
    ['bank@destroy.systems', 'Bank <alerts@bank.example>', undefined, 200],
    ['bank@destroy.systems', 'Phish <alerts@bank-example.example>', undefined, 406],
    ['bank@destroy.systems', 'Spam <x@spam.example>', 'bounce@bank.example', 200],
  ] as const;
  for (const [recipient, from, sender, status] of cases) {
    const res = await post(app, mail(recipient, { from, ...(sender ? { sender } : {}) }));
    assert.equal(res.statusCode, status, `${recipient} from ${from} via ${sender ?? 'itself'}: ${res.body}`);
  }
  assert.equal(api.sent.length, 3);
  const metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(metrics.value('plus_relay_policy_refusals_total', { reason: 'sender-blocked' }), 3);
  assert.equal(metrics.value('plus_relay_policy_refusals_total', { reason: 'sender-not-allowed' }), 1);
});

test('new_aliases: reject closes the catch-all: only addresses the relay forwarded to before, or that were added, receive mail', async (t) => {
  const clock = testClock();
  const open = await build(t, { clock, rules: rulesWith('new_aliases: accept') });
  assert.equal((await post(open.app, mail('github@destroy.systems'))).statusCode, 200);
  // The same store, now with the catch-all closed (a rules edit and a restart, or a hot reload).
  const closed = await build(t, { clock, store: open.store, rules: rulesWith('new_aliases: reject') });
  assert.equal((await post(closed.app, mail('github@destroy.systems'))).statusCode, 200, 'a known alias keeps working');
  const random = await post(closed.app, mail('x7k2q@destroy.systems'));
  assert.equal(random.statusCode, 406);
  assert.match(random.json().message, /new-alias/);
  assert.equal((await post(closed.app, mail('x7k2q@destroy.systems'))).statusCode, 406, 'a refused address does not become known');
  await open.store.inventory.add('planned@destroy.systems', clock.now());
  assert.equal((await post(closed.app, mail('planned@destroy.systems'))).statusCode, 200, 'an alias added ahead of time receives mail');
  assert.deepEqual(to(closed.api), ['me+github@gmail.com', 'me+planned@gmail.com']);
});

test('a blocked alias is refused (406, nothing sent) from the next message on; unblocked, it receives mail again', async (t) => {
  const { app, api, store } = await build(t);
  assert.equal((await post(app, mail('github@destroy.systems'))).statusCode, 200);
  await store.inventory.setBlocked('github@destroy.systems', true, Date.now());
  const refused = await post(app, mail('GitHub@Destroy.Systems'));
  assert.equal(refused.statusCode, 406);
  assert.match(refused.json().message, /blocked/);
  assert.equal(api.sent.length, 1);
  let metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(metrics.value('plus_relay_blocked_aliases'), 1);
  assert.equal(metrics.value('plus_relay_policy_refusals_total', { reason: 'blocked' }), 1);
  await store.inventory.setBlocked('github@destroy.systems', false, Date.now());
  assert.equal((await post(app, mail('github@destroy.systems'))).statusCode, 200);
  metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(metrics.value('plus_relay_blocked_aliases'), 0);
});

test('only signed deliveries are recorded; retries and duplicates are counted once', async (t) => {
  const { app, api, store } = await build(t);
  const unsigned = mail('one@destroy.systems', { signingKey: 'not-the-key' });
  assert.equal((await post(app, unsigned)).statusCode, 401);
  assert.deepEqual(await store.inventory.list({ limit: 10 }), [], 'a forged post leaves no trace');
  const m = mail('two@destroy.systems');
  api.failNext({ kind: 'status', status: 503 });
  assert.equal((await post(app, m)).statusCode, 502);
  assert.deepEqual(await store.inventory.list({ limit: 10 }), [], 'a failed send is not recorded: the retry will be');
  assert.equal((await post(app, m)).statusCode, 200);
  assert.equal((await post(app, m)).statusCode, 200, 'a replay');
  const [two] = await store.inventory.list({ limit: 10 });
  assert.deepEqual([two?.address, two?.forwarded, two?.senders.map((s) => [s.domain, s.count])], ['two@destroy.systems', 1, [['shop.example', 1]]]);
});

test('a rule refusal of one of our addresses is recorded as refused; a foreign address is not recorded', async (t) => {
  const { app, store } = await build(t);
  assert.equal((await post(app, mail('abuse@destroy.systems'))).statusCode, 406);
  assert.equal((await post(app, mail('github@elsewhere.example'))).statusCode, 406);
  const all = await store.inventory.list({ limit: 10 });
  assert.deepEqual(all.map((a) => [a.address, a.forwarded, a.refused]), [['abuse@destroy.systems', 0, 1]]);
});
