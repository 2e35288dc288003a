// Part 2: targets never stay suppressed by accident. A failure that says a rule target is on the bounce list, or a
// policy refusal that put it there, makes the relay look the target up and remove a bounce that is not a missing
// mailbox: at most once per target an hour, and a second removal within a day is reported (log, admin page,
// doctor). A missing mailbox is left alone and reported loudly.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { build, SIGNING_KEY, testClock, type BuildOptions } from '../helpers/build.js';
import { ADMIN_TOKEN, basic } from '../helpers/admin.js';
import { recordingIO } from '../helpers/cli-io.js';
import { tempDir } from '../helpers/temp-dir.js';
import { doctor } from '../../src/cli/doctor.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { StoreUnavailableError, type Store } from '../../src/store/types.js';
import { LEVEL, logSink } from '../helpers/log-sink.js';
import { parseExposition } from '../helpers/prometheus.js';
import { DMARC_REFUSAL, eventPost, failedEvent, freshSignatureBlock, MISSING_MAILBOX, SUPPRESSED, type DeliveryStatus } from '../support/fixtures.js';
import type { MailgunApi, Suppression } from '../support/mailgun-api.js';

const DOMAIN = 'destroy.systems';
const ALIAS = 'github@destroy.systems';
const TARGET = 'personalemail+github@gmail.com';
const HOUR = 3600_000;

async function relay(t: TestContext, options: Pick<BuildOptions, 'rules' | 'env' | 'store'> & { clock?: ReturnType<typeof testClock> } = {}) {
  const log = logSink();
  const clock = options.clock ?? testClock();
  const built = await build(t, { ...options, clock, app: { logger: log.logger } });
  // Signed at the relay's time, which the test moves forward by days.
  const fail = (status: DeliveryStatus, more: { reason?: string; recipient?: string; alias?: string } = {}) =>
    built.app.inject({
      method: 'POST',
      url: '/mailgun/events',
      ...payload(eventPost(SIGNING_KEY, failedEvent({ recipient: more.recipient ?? TARGET, alias: more.alias ?? ALIAS, reason: more.reason ?? 'bounce', status }), freshSignatureBlock(SIGNING_KEY, new Date(clock.now())))),
    });
  return { ...built, log, clock, fail, suppressed: () => fail(SUPPRESSED, { reason: 'suppress-bounce' }) };
}

const payload = (p: { payload: string; headers: Record<string, string> }) => ({ payload: p.payload, headers: p.headers });

function bounce(error: string, code = '550', address = TARGET): Suppression {
  return { domain: DOMAIN, list: 'bounces', address, code, error, created_at: 'Mon, 01 Jan 2024 00:00:00 UTC' };
}

/** What the relay asked of the bounce list: `GET` / `DELETE`, in order. */
const bounceCalls = (api: MailgunApi) => api.calls.filter((c) => c.path.startsWith(`/v3/${DOMAIN}/bounces/`)).map((c) => `${c.method} ${decodeURIComponent(c.path.split('/').pop() ?? '')} ${c.outcome}`);

async function actions(app: FastifyInstance) {
  const m = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  return Object.fromEntries(['removed', 'removed-again', 'kept-missing-mailbox', 'not-listed', 'recently-handled', 'error'].map((a) => [a, m.value('plus_relay_bounce_actions_total', { action: a })]));
}

test('suppress-bounce after a DMARC refusal: the bounce is removed once, left alone within the hour, and a day later removed as a first time', async (t) => {
  const { app, api, clock, log, suppressed } = await relay(t);
  api.suppressions.push(bounce('550 5.7.26 Unauthenticated email from example.net is not accepted due to domain\'s DMARC policy'));
  const res = await suppressed();
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(bounceCalls(api), [`GET ${TARGET} 200`, `DELETE ${TARGET} 200`]);
  assert.equal(api.suppressions.length, 0, 'the target is off the bounce list: Mailgun delivers to it again');
  const line = log.lines().find((l) => l.msg.startsWith('bounce removed'));
  assert.equal(line?.level, LEVEL.warn);
  assert.deepEqual([line?.target, line?.alias, line?.bounceCode], [TARGET, ALIAS, 550]);

  // Another refused message puts it back within the hour: left alone, not even looked up.
  api.suppressions.push(bounce('550 5.7.1 Message rejected as spam'));
  assert.equal((await suppressed()).statusCode, 200);
  assert.deepEqual(bounceCalls(api), [`GET ${TARGET} 200`, `DELETE ${TARGET} 200`]);
  assert.equal(api.suppressions.length, 1);

  clock.offsetMs += 24 * HOUR + 60_000;
  assert.equal((await suppressed()).statusCode, 200);
  assert.deepEqual(bounceCalls(api).slice(2), [`GET ${TARGET} 200`, `DELETE ${TARGET} 200`], 'a day later: removed again');
  assert.deepEqual(await actions(app), { removed: 2, 'removed-again': 0, 'kept-missing-mailbox': 0, 'not-listed': 0, 'recently-handled': 1, error: 0 });
});

test('a permanent policy refusal (5.7.x) to a rule target: looked up at once; not listed yet, the next failure looks again', async (t) => {
  const { app, api, fail } = await relay(t);
  assert.equal((await fail(DMARC_REFUSAL)).statusCode, 200);
  assert.deepEqual(bounceCalls(api), [`GET ${TARGET} 404`]);
  api.suppressions.push(bounce(`550 ${DMARC_REFUSAL.message}`));
  assert.equal((await fail(DMARC_REFUSAL)).statusCode, 200);
  assert.deepEqual(bounceCalls(api).slice(1), [`GET ${TARGET} 200`, `DELETE ${TARGET} 200`]);
  assert.equal(api.suppressions.length, 0);
  assert.deepEqual(await actions(app), { removed: 1, 'removed-again': 0, 'kept-missing-mailbox': 0, 'not-listed': 1, 'recently-handled': 0, error: 0 });
});

test('a missing mailbox is left alone and reported loudly: from the failure itself, or from the stored bounce', async (t) => {
  const { app, api, log, fail, suppressed } = await relay(t);
  api.suppressions.push(bounce(`550 ${MISSING_MAILBOX.message}`));
  assert.equal((await fail(MISSING_MAILBOX)).statusCode, 200);
  assert.deepEqual(bounceCalls(api), [], 'a 5.1.1 refusal is not even looked up');
  assert.equal((await suppressed()).statusCode, 200);
  assert.deepEqual(bounceCalls(api), [`GET ${TARGET} 200`], 'the stored bounce says 5.1.1: kept');
  assert.equal(api.suppressions.length, 1);
  // No enhanced code, but the words: still a missing mailbox.
  const other = 'personalemail+shop@gmail.com';
  api.suppressions.push(bounce('550 Requested action not taken: mailbox unavailable; user does not exist', '550', other));
  assert.equal((await fail(SUPPRESSED, { reason: 'suppress-bounce', recipient: other, alias: 'shop@destroy.systems' })).statusCode, 200);
  assert.equal(api.suppressions.length, 2);
  assert.ok(!api.calls.some((c) => c.method === 'DELETE'));

  const loud = log.lines().filter((l) => l.msg.startsWith('target mailbox does not exist'));
  assert.equal(loud.length, 3);
  assert.ok(loud.every((l) => l.level === LEVEL.error));
  assert.equal((await actions(app))['kept-missing-mailbox'], 3);
  // Within the day, the kept target is not looked up on every failure.
  assert.equal((await suppressed()).statusCode, 200);
  assert.deepEqual(bounceCalls(api).filter((c) => c.includes(TARGET)), [`GET ${TARGET} 200`]);
});

test('only rule targets: a target the alias does not route to, or an alias on another domain, is never looked up', async (t) => {
  const { api, fail, store } = await relay(t);
  api.suppressions.push(bounce('550 5.7.26 DMARC', '550', 'someone.else@gmail.com'));
  assert.equal((await fail(SUPPRESSED, { reason: 'suppress-bounce', recipient: 'someone.else@gmail.com' })).statusCode, 200);
  assert.equal((await fail(SUPPRESSED, { reason: 'suppress-bounce', alias: 'github@other.example' })).statusCode, 200);
  assert.equal((await fail(SUPPRESSED, { reason: 'suppress-bounce', alias: 'abuse@destroy.systems' })).statusCode, 200);
  assert.deepEqual(bounceCalls(api), []);
  assert.equal(api.suppressions.length, 1);
  assert.equal((await store.failures.recent(10)).length, 3, 'the failures are still recorded');
});

test('the suppressions API failing: the event is still 200, the error is logged and counted, and the next failure tries again', async (t) => {
  const { app, api, log, suppressed } = await relay(t);
  api.suppressions.push(bounce('550 5.7.26 DMARC'));
  api.failNext({ kind: 'status', status: 500 });
  const res = await suppressed();
  assert.equal(res.statusCode, 200, 'a recorded failure is answered 200 whatever the bounce check did');
  assert.equal(log.lines().find((l) => l.msg.startsWith('bounce check failed'))?.level, LEVEL.error);
  assert.equal((await suppressed()).statusCode, 200);
  assert.equal(api.suppressions.length, 0);
  assert.deepEqual(await actions(app), { removed: 1, 'removed-again': 0, 'kept-missing-mailbox': 0, 'not-listed': 0, 'recently-handled': 0, error: 1 });
});

test("a policy's redirect target (spam / leaks `then: {to:}`) is the owner's mailbox too: its bounce is removed like a rule target's", async (t) => {
  const rules = `
domains: [destroy.systems]
spam: {then: {to: "personalemail+spam@gmail.com"}}
leaks: {then: {to: "personalemail+leaked.{service}@gmail.com"}}
users:
  owner: "personalemail+{service}@gmail.com"
rules:
  - match: "{service}"
    user: owner
`;
  const { api, fail } = await relay(t, { rules });
  for (const target of ['personalemail+spam@gmail.com', 'personalemail+leaked.github@gmail.com']) {
    api.suppressions.push(bounce('550 5.7.1 Message rejected as spam', '550', target));
    assert.equal((await fail(SUPPRESSED, { reason: 'suppress-bounce', recipient: target })).statusCode, 200);
  }
  assert.deepEqual(bounceCalls(api), [
    'GET personalemail+spam@gmail.com 200',
    'DELETE personalemail+spam@gmail.com 200',
    'GET personalemail+leaked.github@gmail.com 200',
    'DELETE personalemail+leaked.github@gmail.com 200',
  ]);
  assert.equal(api.suppressions.length, 0);
  // Another alias's leak target is not this alias's: left alone.
  api.suppressions.push(bounce('550 5.7.1 Message rejected as spam', '550', 'personalemail+leaked.shop@gmail.com'));
  assert.equal((await fail(SUPPRESSED, { reason: 'suppress-bounce', recipient: 'personalemail+leaked.shop@gmail.com' })).statusCode, 200);
  assert.equal(api.suppressions.length, 1);
});

test('a target put back on the bounce list within the day: freed again after an hour at most, logged at error, shown on the admin page and in doctor', async (t) => {
  const dir = await tempDir(t, 'bounce-watch');
  const clock = testClock();
  const store = createSqliteStore({ location: { dataDir: join(dir, 'data') }, clock });
  t.after(() => store.close());
  const { app, api, log, fail, suppressed } = await relay(t, { store, clock, env: { ADMIN_TOKEN } });
  const page = async () => (await app.inject({ method: 'GET', url: '/admin', headers: basic() })).body;

  // A crafted message fails DMARC at Gmail: the target lands on the bounce list, and the relay frees it.
  api.suppressions.push(bounce(`550 ${DMARC_REFUSAL.message}`));
  assert.equal((await fail(DMARC_REFUSAL)).statusCode, 200);
  assert.deepEqual(bounceCalls(api), [`GET ${TARGET} 200`, `DELETE ${TARGET} 200`]);
  assert.ok(!(await page()).includes('Warning:'), 'one refused message is no warning');

  // Ten minutes later, a second one: within the hour the target is left alone (bounded: one removal an hour).
  clock.offsetMs += 10 * 60_000;
  api.suppressions.push(bounce('550 5.7.1 Message rejected as spam'));
  assert.equal((await fail({ code: 550, enhancedCode: '5.7.1', message: '5.7.1 Message rejected as spam' })).statusCode, 200);
  assert.equal(bounceCalls(api).length, 2, 'not looked up within the hour');

  // An hour on, the owner's next forward is dropped (suppress-bounce): freed again, and the owner is told.
  clock.offsetMs += 60 * 60_000;
  assert.equal((await suppressed()).statusCode, 200);
  assert.deepEqual(bounceCalls(api).slice(2), [`GET ${TARGET} 200`, `DELETE ${TARGET} 200`]);
  assert.equal(api.suppressions.length, 0, 'the target receives mail again');
  const again = log.lines().find((l) => l.msg.startsWith('bounce removed again within 24 h'));
  assert.equal(again?.level, LEVEL.error);
  assert.deepEqual([again?.target, again?.alias], [TARGET, ALIAS]);
  assert.deepEqual(await actions(app), { removed: 1, 'removed-again': 1, 'kept-missing-mailbox': 0, 'not-listed': 0, 'recently-handled': 1, error: 0 });

  const warning = /<p class="warning" role="alert"><strong>Warning:<\/strong> ([^<]*)<\/p>/.exec(await page())?.[1] ?? '';
  assert.match(warning, new RegExp(`^${TARGET.replace(/[+.]/g, '\\$&')} \\(a target of ${ALIAS}\\) was put back on Mailgun&#39;s bounce list and freed 2 times since `));
  assert.match(warning, /5\.7\.1 Message rejected as spam/);

  const rec = recordingIO(dir, { MAILGUN_API_KEY: 'key-test', MAILGUN_API_URL: api.url, MAILGUN_DOMAIN: 'destroy.systems', DATA_DIR: 'data' });
  await doctor([], rec.io);
  const line = rec.out.find((l) => l.includes('was put back on'));
  assert.ok(line?.startsWith(`warn  ${TARGET} (a target of ${ALIAS}) was put back on Mailgun's bounce list and freed 2 times`), rec.all());
});

test('a bounce watch that cannot write loses only the warning: the bounce is still removed, and the log says why', async (t) => {
  const clock = testClock();
  const real = createSqliteStore({ location: ':memory:', clock });
  t.after(() => real.close());
  const store: Store = { ...real, bounces: { ...real.bounces, removed: () => Promise.reject(new StoreUnavailableError('sqlite record bounce removal: disk full')) } };
  const { api, log, fail } = await relay(t, { store, clock });
  api.suppressions.push(bounce(`550 ${DMARC_REFUSAL.message}`));
  assert.equal((await fail(DMARC_REFUSAL)).statusCode, 200);
  assert.equal(api.suppressions.length, 0, 'removed');
  const line = log.lines().find((l) => l.msg.startsWith('bounce removed'));
  assert.equal(line?.action, 'removed');
  assert.match(String(line?.error), /^bounce watch: sqlite record bounce removal: disk full/);
});
