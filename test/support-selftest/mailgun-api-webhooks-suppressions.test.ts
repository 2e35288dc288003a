// Proves the stand-in's domain webhooks and suppression lists against the real mailgun.js client: the calls the
// relay and the CLI make (webhooks list/create/update, suppressions get/destroy/list with paging) and their errors.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { startMailgunApi, type MailgunApiOptions } from '../support/mailgun-api.js';

async function client(t: TestContext, options: MailgunApiOptions = {}) {
  const api = await startMailgunApi({ key: 'key-test', ...options });
  t.after(() => api.close());
  return { api, mg: new Mailgun(FormData).client({ username: 'api', key: api.key, url: api.url, timeout: 2000 }) };
}

const addressOf = (item: object) => ('address' in item ? item.address : undefined);
const errorOf = (promise: Promise<unknown>) => promise.then(() => assert.fail('expected an error'), (err: { status: number; details: string }) => ({ status: err.status, details: err.details }));

test('webhooks: list is empty, create adds, creating the same id again is refused, update replaces the URLs', async (t) => {
  const { api, mg } = await client(t);
  assert.deepEqual(await mg.webhooks.list('mg.example', {}), {});
  assert.deepEqual({ ...(await mg.webhooks.create('mg.example', 'permanent_fail', 'https://a.example/mailgun/events', false)) }, { id: 'permanent_fail', url: 'https://a.example/mailgun/events', urls: ['https://a.example/mailgun/events'] });
  assert.deepEqual(await mg.webhooks.list('mg.example', {}), { permanent_fail: { urls: ['https://a.example/mailgun/events'] } });
  assert.deepEqual(await mg.webhooks.list('other.example', {}), {}, 'webhooks are per domain');
  assert.deepEqual(await errorOf(mg.webhooks.create('mg.example', 'permanent_fail', 'https://b.example/mailgun/events', false)), { status: 400, details: 'Webhook with the id permanent_fail already exists' });
  await mg.webhooks.update('mg.example', 'permanent_fail', ['https://b.example/mailgun/events', 'https://c.example/hook']);
  assert.deepEqual(api.webhooks, { 'mg.example': { permanent_fail: ['https://b.example/mailgun/events', 'https://c.example/hook'] } });
  assert.equal((await errorOf(mg.webhooks.update('mg.example', 'temporary_fail', 'https://b.example/x'))).status, 404);
  assert.deepEqual(api.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path} ${c.outcome}`), [
    'POST /v3/domains/mg.example/webhooks 200',
    'POST /v3/domains/mg.example/webhooks 400',
    'PUT /v3/domains/mg.example/webhooks/permanent_fail 200',
    'PUT /v3/domains/mg.example/webhooks/temporary_fail 404',
  ]);
});

test('suppressions: get an address (404 when absent), destroy it, per list and per domain', async (t) => {
  const bounce = { domain: 'mg.example', list: 'bounces' as const, address: 'me+github@gmail.com', code: '550', error: '550 5.7.26 Unauthenticated email is not accepted', created_at: 'Mon, 01 Jan 2024 00:00:00 UTC' };
  const { api, mg } = await client(t, { suppressions: [bounce, { domain: 'mg.example', list: 'complaints', address: 'me+shop@gmail.com', created_at: 'Mon, 01 Jan 2024 00:00:00 UTC' }] });
  const got = await mg.suppressions.get('mg.example', 'bounces', 'me+github@gmail.com');
  assert.deepEqual({ ...got }, { type: 'bounces', address: 'me+github@gmail.com', code: 550, error: bounce.error, created_at: new Date('2024-01-01T00:00:00Z') });
  assert.equal((await errorOf(mg.suppressions.get('other.example', 'bounces', 'me+github@gmail.com'))).status, 404);
  assert.equal((await errorOf(mg.suppressions.get('mg.example', 'complaints', 'me+github@gmail.com'))).status, 404);
  assert.equal(addressOf(await mg.suppressions.get('mg.example', 'complaints', 'me+shop@gmail.com')), 'me+shop@gmail.com');
  await mg.suppressions.destroy('mg.example', 'bounces', 'me+github@gmail.com');
  assert.deepEqual(api.suppressions.map((s) => s.list), ['complaints']);
  assert.ok(api.calls.some((c) => c.method === 'DELETE' && c.path === `/v3/mg.example/bounces/${encodeURIComponent('me+github@gmail.com')}`), 'the address travels URL-encoded');
});

test('suppressions: list in pages by following paging.next', async (t) => {
  const entries = Array.from({ length: 5 }, (_, i) => ({ domain: 'mg.example', list: 'bounces' as const, address: `a${i}@example.net`, code: '550', error: 'x', created_at: 'Mon, 01 Jan 2024 00:00:00 UTC' }));
  const { mg } = await client(t, { suppressions: entries });
  const seen: string[] = [];
  let page = await mg.suppressions.list('mg.example', 'bounces', { limit: 2 });
  while (page.items.length > 0) {
    seen.push(...page.items.map((i) => String(addressOf(i))));
    page = await mg.suppressions.list('mg.example', 'bounces', { page: page.pages.next?.page ?? '' });
  }
  assert.deepEqual(seen, entries.map((e) => e.address));
});

test('message storage: the raw MIME only for Accept: message/rfc2822 with the key; unknown keys 404, wrong key 401', async (t) => {
  const { api } = await client(t);
  const mime = Buffer.from('From: Bob <bob@example.net>\r\nTo: me+bank@gmail.com\r\nSubject: Statement\r\n\r\nHello\r\n');
  api.stored.push({ domain: 'mg.example', key: 'AgEFstored', mime });
  const url = api.storageUrl('mg.example', 'AgEFstored');
  const auth = (key: string) => `Basic ${Buffer.from(`api:${key}`).toString('base64')}`;
  const raw = await fetch(url, { headers: { authorization: auth(api.key), accept: 'message/rfc2822' } });
  assert.equal(raw.status, 200);
  const body = (await raw.json()) as Record<string, string>;
  assert.equal(body['body-mime'], mime.toString('utf8'));
  assert.equal(body.subject, 'Statement');
  const parsed = (await (await fetch(url, { headers: { authorization: auth(api.key) } })).json()) as Record<string, string>;
  assert.equal(parsed['body-mime'], undefined, 'without the Accept header, Mailgun answers the parsed fields only');
  assert.equal((await fetch(api.storageUrl('mg.example', 'AgEFgone'), { headers: { authorization: auth(api.key) } })).status, 404);
  assert.equal((await fetch(api.storageUrl('other.example', 'AgEFstored'), { headers: { authorization: auth(api.key) } })).status, 404, 'stored per domain');
  assert.equal((await fetch(url, { headers: { authorization: auth('key-wrong') } })).status, 401);
});
