// Part 1: failures come back. Mailgun posts `failed` events to /mailgun/events; the relay records them per alias and
// target, counts them once, logs them, and never answers a bad body with a 5xx.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY, testClock, type BuildOptions } from '../helpers/build.js';
import { LEVEL, logSink } from '../helpers/log-sink.js';
import { parseExposition } from '../helpers/prometheus.js';
import { redisStore, sharedRedis, untilHealthy } from '../helpers/redis.js';
import { StoreUnavailableError, type Store } from '../../src/store/types.js';
import { deliveredEvent, eventPost, failedEvent, freshSignatureBlock, GREYLISTED, rawModeFields, rawUrlencoded, sampleMessage, sampleMime, sign } from '../support/fixtures.js';
import type { FastifyInstance } from 'fastify';

const ALIAS = 'github@destroy.systems';
const TARGET = 'personalemail+github@gmail.com';

async function relay(t: TestContext, options: BuildOptions = {}) {
  const log = logSink();
  const built = await build(t, { ...options, app: { logger: log.logger } });
  return { ...built, log };
}

function post(app: FastifyInstance, body: { payload: string | Buffer; headers: Record<string, string> }) {
  return app.inject({ method: 'POST', url: '/mailgun/events', payload: body.payload, headers: body.headers });
}

async function metrics(app: FastifyInstance) {
  return parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
}

test('a forward bounces: the event is recorded for its alias and target, counted, logged at error; a replay counts once', async (t) => {
  const { app, api, store, log } = await relay(t);
  // The relay forwards a message; Mailgun then reports that Gmail refused it.
  const block = freshSignatureBlock(SIGNING_KEY);
  const message = rawUrlencoded(sampleMime(), [...rawModeFields(sampleMessage({ recipient: 'GitHub@destroy.systems' })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
  assert.equal((await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: message.payload, headers: message.headers })).statusCode, 200);
  const [sent] = api.sent;
  const alias = sent?.fields['v:plus-relay-alias']?.[0] ?? null;
  assert.equal(alias, ALIAS);

  const event = eventPost(SIGNING_KEY, failedEvent({ recipient: sent?.to[0] ?? '', alias }));
  const res = await post(app, event);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().status, 'recorded');

  const summary = (await store.failures.summary([ALIAS])).get(ALIAS);
  assert.equal(summary?.failed, 1);
  assert.deepEqual({ ...summary?.last, at: 0 }, {
    alias: ALIAS,
    target: TARGET,
    severity: 'permanent',
    reason: 'bounce',
    code: 550,
    message: "5.7.26 Unauthenticated email from example.net is not accepted due to domain's DMARC policy. Please contact the administrator of example.net domain if this was a legitimate mail.",
    at: 0,
    storageUrl: null,
  });
  const line = log.lines().find((l) => l.msg === 'event');
  assert.equal(line?.level, LEVEL.error, 'a permanent failure is logged at error');
  assert.deepEqual([line?.alias, line?.target, line?.severity, line?.failure, line?.code, line?.enhancedCode], [ALIAS, TARGET, 'permanent', 'bounce', 550, '5.7.26']);

  // Mailgun retries with the original signature block (it did not see our answer): counted once.
  const replay = await post(app, eventPost(SIGNING_KEY, failedEvent({ recipient: TARGET, alias }), event.block));
  assert.equal(replay.statusCode, 200);
  assert.equal(replay.json().status, 'duplicate');
  assert.equal((await store.failures.summary([ALIAS])).get(ALIAS)?.failed, 1);
  const m = await metrics(app);
  assert.equal(m.value('plus_relay_forward_failures_total', { severity: 'permanent', reason: 'bounce' }), 1);
  assert.equal(m.value('plus_relay_events_total', { outcome: 'recorded' }), 1);
  assert.equal(m.value('plus_relay_events_total', { outcome: 'duplicate' }), 1);
  assert.ok(!log.text().includes(event.block.signature) && !log.text().includes(SIGNING_KEY), 'signatures and keys never reach the log');
});

test('temporary failures are recorded at warn, by reason; other events and sends the relay did not make are answered 200 and ignored', async (t) => {
  const { app, store, log, api } = await relay(t);
  for (const reason of ['generic', 'old', 'something-new']) {
    const res = await post(app, eventPost(SIGNING_KEY, failedEvent({ recipient: TARGET, alias: ALIAS, severity: 'temporary', reason, status: GREYLISTED })));
    assert.equal(res.statusCode, 200, res.body);
  }
  const summary = (await store.failures.summary([ALIAS])).get(ALIAS);
  assert.deepEqual([summary?.failed, summary?.last.severity, summary?.last.reason, summary?.last.code], [3, 'temporary', 'something-new', 421]);
  assert.ok(log.lines().filter((l) => l.msg === 'event').every((l) => l.level === LEVEL.warn));
  const m = await metrics(app);
  assert.equal(m.value('plus_relay_forward_failures_total', { severity: 'temporary', reason: 'old' }), 1);
  assert.equal(m.value('plus_relay_forward_failures_total', { severity: 'temporary', reason: 'other' }), 1, 'an unknown reason is counted as other, never as a new label');
  assert.ok(!m.text.includes('something-new'));

  const ignored = [deliveredEvent(TARGET, ALIAS), failedEvent({ recipient: 'someone@example.net', alias: null }), failedEvent({ recipient: TARGET, alias: 'not an address' })];
  for (const data of ignored) {
    const res = await post(app, eventPost(SIGNING_KEY, data));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'ignored');
  }
  assert.equal((await store.failures.recent(10)).length, 1, 'nothing more recorded');
  assert.equal(api.calls.length, 0, 'temporary failures never touch the bounce list');
});

test('a bad signature is 401 (Mailgun retries); nothing is recorded', async (t) => {
  const { app, store } = await relay(t);
  const data = failedEvent({ recipient: TARGET, alias: ALIAS });
  const good = freshSignatureBlock(SIGNING_KEY);
  const old = String(Math.floor(Date.now() / 1000) - 10 * 3600);
  const blocks = [
    { ...good, signature: sign('another-key', good.timestamp, good.token) },
    { timestamp: old, token: good.token, signature: sign(SIGNING_KEY, old, good.token) },
    { ...good, token: 'Zx8mJBiGmiiyyfWnho3zKyjCg2pxLARoCuBM7X9AKCioShGiMX' },
  ];
  for (const block of blocks) {
    const res = await post(app, eventPost(SIGNING_KEY, data, block));
    assert.equal(res.statusCode, 401, JSON.stringify(block));
  }
  const unsigned = await post(app, { payload: JSON.stringify({ 'event-data': data }), headers: { 'content-type': 'application/json' } });
  assert.equal(unsigned.statusCode, 401);
  assert.equal((await store.failures.recent(10)).length, 0);
  assert.equal((await post(app, eventPost(SIGNING_KEY, data, good))).statusCode, 200, 'the token was not burnt by the forgeries');
});

test('bodies that can never be read are 406, odd but signed ones 200: never a 5xx, and the relay stays healthy', async (t) => {
  const { app, store } = await relay(t);
  const json = { 'content-type': 'application/json' };
  const signed = (data: unknown) => eventPost(SIGNING_KEY, data).payload;
  const refused: Array<[string, { payload: string | Buffer; headers: Record<string, string> }]> = [
    ['broken JSON', { payload: '{"signature": {', headers: json }],
    ['empty body', { payload: '', headers: json }],
    ['an array', { payload: '[]', headers: json }],
    ['a string', { payload: '"failed"', headers: json }],
    ['null', { payload: 'null', headers: json }],
    ['text/plain', { payload: signed(failedEvent({ recipient: TARGET, alias: ALIAS })), headers: { 'content-type': 'text/plain' } }],
    ['a form', { payload: 'signature=x&event-data=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['no content type', { payload: Buffer.from('{}'), headers: {} }],
    ['multipart', { payload: '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--b--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=b' } }],
    ['signed, event-data a string', { payload: signed('failed'), headers: json }],
    ['signed, no event-data', { payload: JSON.stringify({ signature: freshSignatureBlock(SIGNING_KEY) }), headers: json }],
  ];
  for (const [what, body] of refused) {
    const res = await post(app, body);
    assert.equal(res.statusCode, 406, `${what}: ${res.statusCode} ${res.body}`);
  }
  assert.equal((await metrics(app)).value('plus_relay_events_total', { outcome: 'bad-input' }), refused.length, 'each refused body is counted');
  // Deep, but within the 32 levels an event may nest (test/security/unverified-events.test.ts goes deeper).
  const depth = 28;
  const deep = `{"signature": ${JSON.stringify(freshSignatureBlock(SIGNING_KEY))}, "event-data": {"event": "delivered", "message": ${'{"nested": '.repeat(depth)}{}${'}'.repeat(depth)}}}`;
  const withBadBytes = Buffer.concat(signed(failedEvent({ recipient: 'PLACEHOLDER@gmail.com', alias: ALIAS })).split('PLACEHOLDER').flatMap((part, i) => (i ? [Buffer.from([0xff, 0xfe]), Buffer.from(part)] : [Buffer.from(part)])));
  const odd: Array<[string, string | Buffer]> = [
    ['invalid UTF-8 in an address', withBadBytes],
    ['__proto__ and constructor keys', signed({ ...failedEvent({ recipient: TARGET, alias: ALIAS }), 'user-variables': JSON.parse(`{"__proto__": {"polluted": 1}, "constructor": {"prototype": {}}, "plus-relay-alias": "${ALIAS}"}`) })],
    ['deeply nested', deep],
    ['fields of the wrong types', signed({ event: 'failed', severity: 5, reason: ['x'], recipient: { a: 1 }, 'delivery-status': [], 'user-variables': 'x' })],
    ['huge strings in a failure', signed(failedEvent({ recipient: TARGET, alias: ALIAS, reason: 'r'.repeat(5000), status: { code: 99999, message: 'm\r\n'.repeat(10_000) } }))],
  ];
  for (const [what, payload] of odd) {
    const res = await post(app, { payload, headers: json });
    assert.equal(res.statusCode, 200, `${what}: ${res.statusCode} ${res.body}`);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const [last] = await store.failures.recent(1);
  assert.ok(last && last.last.reason.length <= 64 && last.last.message.length <= 300 && !/[\r\n]/.test(last.last.message), 'stored text is bounded, one line');
  assert.equal(last?.last.code, null, 'a code that is not an SMTP code is not kept');
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});

test('the store cannot record: 503, so Mailgun retries; the retry with the same token records once', async (t) => {
  const clock = testClock();
  const { createSqliteStore } = await import('../../src/store/sqlite/index.js');
  const real = createSqliteStore({ location: ':memory:', clock });
  t.after(() => real.close());
  let down = true;
  const store: Store = {
    ...real,
    failures: {
      ...real.failures,
      record: async (failure) => (down ? Promise.reject(new StoreUnavailableError('sqlite record failure: disk I/O error')) : real.failures.record(failure)),
    },
  };
  const { app } = await relay(t, { store, clock });
  const event = eventPost(SIGNING_KEY, failedEvent({ recipient: TARGET, alias: ALIAS }));
  const first = await post(app, event);
  assert.equal(first.statusCode, 503);
  assert.doesNotMatch(first.body, /disk I\/O/, 'store errors stay in the log');
  down = false;
  assert.equal((await post(app, event)).statusCode, 200);
  assert.equal((await post(app, event)).json().status, 'duplicate');
  assert.equal((await real.failures.summary([ALIAS])).get(ALIAS)?.failed, 1);
});

test('two instances sharing Redis: an event replayed to the other instance is counted once', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const namespace = `plus-relay-test-${Date.now()}-${Math.random()}`;
  const stores = [redisStore(t, url, namespace), redisStore(t, url, namespace)] as const;
  await Promise.all(stores.map((s) => untilHealthy(s)));
  const [a, b] = [await relay(t, { store: stores[0] }), await relay(t, { store: stores[1] })];
  const event = eventPost(SIGNING_KEY, failedEvent({ recipient: TARGET, alias: ALIAS, severity: 'temporary', reason: 'generic', status: GREYLISTED }));
  // At the same moment: one records it; the other sees it used (200) or still in flight (503, Mailgun retries).
  const outcomes = (await Promise.all([post(a.app, event), post(b.app, event)])).map((r) => `${r.statusCode} ${r.json().status}`);
  assert.ok(outcomes.includes('200 recorded'), outcomes.join());
  assert.ok(outcomes.every((o) => ['200 recorded', '200 duplicate', '503 busy'].includes(o)), outcomes.join());
  assert.equal((await post(b.app, event)).json().status, 'duplicate');
  assert.equal((await stores[1].failures.summary([ALIAS])).get(ALIAS)?.failed, 1);
});
