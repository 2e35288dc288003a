// Issue 17 part 4: a refused forward can be sent again. The relay keeps the storage URL of Mailgun's `failed` event;
// the owner resends through the admin API once the cause is fixed; the message comes from Mailgun's storage and goes
// out through messages.mime to the same target, once per failure, and the API key goes only to Mailgun.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { bearer } from '../helpers/admin.js';
import { redisStore, sharedRedis, untilHealthy } from '../helpers/redis.js';
import { DOMAIN, refusedForward, relay } from './helpers.js';
import { SIGNING_KEY } from '../helpers/build.js';
import { eventPost, failedEvent } from '../support/fixtures.js';
import { failureId } from '../../src/store/failures.js';

const resend = (app: FastifyInstance, id: string) => app.inject({ method: 'POST', url: `/admin/failures/${id}/resend`, headers: bearer() });

test('a refused forward is resent from Mailgun storage to the same target, as a mime send with the loop mark; a second resend is 409 and sends nothing', async (t) => {
  const r = await relay(t);
  const { id, target, stored, url } = await refusedForward(r, 'bank', 'stored');
  assert.equal((await r.store.failures.recent(1))[0]?.last.storageUrl, url, 'the failure keeps the storage URL');
  const before = r.api.sent.length;

  const res = await resend(r.app, id);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().status, 'resent');
  assert.deepEqual(res.json().failure, { id, alias: `bank@${DOMAIN}`, target });
  assert.equal(res.json().mailgunId, r.api.sent.at(-1)?.id, "Mailgun's id of the new send");
  const fetched = r.api.calls.filter((c) => c.path.startsWith(`/v3/domains/${DOMAIN}/messages/`));
  assert.deepEqual(fetched.map((c) => [c.method, c.outcome]), [['GET', 200]], 'fetched once, with the API key');
  assert.equal(r.api.sent.length, before + 1);
  const again = r.api.sent.at(-1);
  assert.equal(again?.endpoint, 'mime');
  assert.deepEqual(again?.to, [target]);
  assert.ok(again?.mime?.equals(stored), 'the stored bytes, unchanged');
  assert.equal(again?.fields['h:X-Plus-Relay']?.[0], DOMAIN, 'the loop mark');
  assert.equal(again?.fields['v:plus-relay-alias']?.[0], `bank@${DOMAIN}`, 'a new failure is tied to its alias again');
  assert.deepEqual([again?.fields['o:tracking'], again?.fields['o:tracking-clicks'], again?.fields['o:tracking-opens']], [['no'], ['no'], ['no']]);

  const second = await resend(r.app, id);
  assert.equal(second.statusCode, 409);
  assert.equal(second.json().code, 'PLUS_RELAY_RESEND_ALREADY_RESENT');
  assert.match(second.json().message, new RegExp(`bank@${DOMAIN} → .* was already resent at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`));
  assert.equal(r.api.sent.length, before + 1, 'nothing sent twice');
  const listed = await r.app.inject({ method: 'GET', url: `/admin/aliases?address=bank@${DOMAIN}`, headers: bearer() });
  assert.match(String(listed.json().aliases[0].lastFailure.resent), /^\d{4}-\d\d-\d\dT/);
});

test('two resends of one failure at once (two clicks, page and CLI): one sends, the other is 409', async (t) => {
  const r = await relay(t);
  const { id } = await refusedForward(r, 'shop', 'stored');
  const before = r.api.sent.length;
  r.api.failWhen((req) => req.path.includes('/messages/'), { kind: 'delay', ms: 150 }, 1);
  const answers = await Promise.all([resend(r.app, id), resend(r.app, id)]);
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 409]);
  assert.match(answers.find((a) => a.statusCode === 409)?.json().message, /being resent right now/);
  assert.equal(r.api.sent.length, before + 1);
});

test('an expired stored message (Mailgun answers 404) is a clear 410; the claim is freed, so it works once Mailgun has it', async (t) => {
  const r = await relay(t);
  const { id, url } = await refusedForward(r, 'news', 'expired');
  const before = r.api.sent.length;
  const res = await resend(r.app, id);
  assert.equal(res.statusCode, 410, res.body);
  assert.match(res.json().message, /Mailgun no longer has the message of news@destroy\.systems → .* \(it keeps stored messages about 3 days\)/);
  assert.equal(r.api.sent.length, before);
  // Not a real-world path (Mailgun never gets it back), but it shows nothing holds the failure after a refusal.
  r.api.stored.push({ domain: DOMAIN, key: url.split('/').at(-1) ?? '', mime: Buffer.from('Subject: x\r\n\r\nx\r\n') });
  assert.equal((await resend(r.app, id)).statusCode, 200);
});

test('a Mailgun outage while fetching or sending is 503 and frees the claim: the next try sends', async (t) => {
  const r = await relay(t);
  const { id } = await refusedForward(r, 'travel', 'stored');
  const before = r.api.sent.length;
  r.api.failWhen((req) => req.path.includes('/messages/'), { kind: 'status', status: 500 }, 1);
  const fetchDown = await resend(r.app, id);
  assert.equal(fetchDown.statusCode, 503, fetchDown.body);
  assert.match(fetchDown.json().message, /Mailgun answered 500 .*nothing was resent, try again/);
  r.api.failWhen((req) => req.path.endsWith('messages.mime'), { kind: 'reset' }, 1);
  const sendDown = await resend(r.app, id);
  assert.equal(sendDown.statusCode, 503, sendDown.body);
  assert.match(sendDown.json().message, /Mailgun API unavailable: .*try again/);
  assert.equal(r.api.sent.length, before);
  assert.equal((await resend(r.app, id)).statusCode, 200);
  assert.equal(r.api.sent.length, before + 1);
});

test('a storage URL on another host is refused and never fetched: the API key goes only to Mailgun', async (t) => {
  const requests: string[] = [];
  const other = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ 'body-mime': 'Subject: planted\r\n\r\nx' }));
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => other.close(() => resolve())));
  const port = (other.address() as { port: number }).port;

  const r = await relay(t);
  for (const [local, url] of [
    ['one', `http://127.0.0.1:${port}/v3/domains/${DOMAIN}/messages/AgEFx`],
    ['two', `https://storage.mailgun.net.127.0.0.1.nip.io:${port}/v3/domains/${DOMAIN}/messages/AgEFx`],
    ['three', `http://storage-us-east4.api.mailgun.net/v3/domains/${DOMAIN}/messages/AgEFx`],
  ] as const) {
    const { id } = await refusedForward(r, local, { url });
    const before = r.api.sent.length;
    const res = await resend(r.app, id);
    assert.equal(res.statusCode, 422, res.body);
    assert.match(res.json().message, /refused, nothing fetched: the storage URL's host .* is not Mailgun's/);
    assert.equal(r.api.sent.length, before, 'nothing resent');
  }
  assert.deepEqual(requests, [], 'the other server was never asked');
});

test('a failure without a storage URL, an unknown id and a malformed id: clear 4xx answers', async (t) => {
  const r = await relay(t);
  const { id } = await refusedForward(r, 'old', 'none');
  const none = await resend(r.app, id);
  assert.equal(none.statusCode, 422, none.body);
  assert.match(none.json().message, /has no stored message to resend/);
  const unknown = await resend(r.app, '0123456789ab');
  assert.equal(unknown.statusCode, 404);
  assert.match(unknown.json().message, /no recorded failure has the id 0123456789ab/);
  const bad = await resend(r.app, 'not-an-id');
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().message, /12 hex characters/);
});

test('a failure to an address the rules no longer send the alias to is not resent (409)', async (t) => {
  const r = await relay(t);
  // A target removed from rules.yaml since the forward failed: Mailgun still reports it, with a stored message.
  r.api.stored.push({ domain: DOMAIN, key: 'AgEFgone', mime: Buffer.from('Subject: x\r\n\r\nx\r\n') });
  const storage = { url: r.api.storageUrl(DOMAIN, 'AgEFgone'), key: 'AgEFgone' };
  const event = eventPost(SIGNING_KEY, failedEvent({ recipient: 'former+bank@fastmail.com', alias: `bank@${DOMAIN}`, storage }));
  assert.equal((await r.app.inject({ method: 'POST', url: '/mailgun/events', payload: event.payload, headers: event.headers })).json().status, 'recorded');
  const [entry] = await r.store.failures.recent(1);
  assert.ok(entry);
  const res = await resend(r.app, failureId(entry.last));
  assert.equal(res.statusCode, 409, res.body);
  assert.match(res.json().message, /the rules no longer forward bank@destroy\.systems to former\+bank@fastmail\.com: not resent/);
  assert.equal(r.api.sent.length, 0);
  assert.equal(r.api.calls.filter((c) => c.path.includes('/messages/')).length, 0, 'not even fetched');
});

test('two instances sharing Redis: a resend asked of both at once is sent once', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const namespace = `plus-relay-test-${Date.now()}-${Math.random()}`;
  const stores = [redisStore(t, url, namespace), redisStore(t, url, namespace)] as const;
  await Promise.all(stores.map((s) => untilHealthy(s)));
  const a = await relay(t, { store: stores[0] });
  // The second instance runs with the same MAILGUN_API_URL (here: the first one's stand-in, where the message is stored).
  const b = await relay(t, { store: stores[1], env: { MAILGUN_API_URL: a.api.url } });
  const { id, stored } = await refusedForward(a, 'bank', 'stored');
  const before = a.api.sent.length + b.api.sent.length;
  a.api.failWhen((req) => req.path.includes('/messages/'), { kind: 'delay', ms: 150 }, 1);
  const answers = await Promise.all([resend(a.app, id), resend(b.app, id)]);
  assert.deepEqual(answers.map((x) => x.statusCode).sort(), [200, 409], answers.map((x) => x.body).join('\n'));
  const sends = [...a.api.sent, ...b.api.sent];
  assert.equal(sends.length, before + 1, 'one send across both instances');
  assert.ok(sends.some((s) => s.mime?.equals(stored)));
  assert.match((await resend(b.app, id)).json().message, /already resent at/, 'the other instance knows when');
});
