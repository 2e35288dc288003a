// Proves the Mailgun API stand-in against the real mailgun.js client, and pins down how mailgun.js 14 reports
// HTTP errors, timeouts and broken connections (the app classifies transient vs permanent failures from these).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import FormData from 'form-data';
import Mailgun from 'mailgun.js';
import { isSend, startMailgunApi } from '../support/mailgun-api.js';
import { sampleMime } from '../support/fixtures.js';

const DOMAIN = 'mg.example.com';

async function build(t: TestContext, timeout?: number) {
  const api = await startMailgunApi({ key: 'key-selftest' });
  t.after(() => api.close());
  return { api, mg: client(api.url, api.key, timeout) };
}

function client(url: string, key: string, timeout?: number) {
  return new Mailgun(FormData).client({ username: 'api', key, url, ...(timeout === undefined ? {} : { timeout }) });
}

function sendMime(mg: ReturnType<typeof client>, message = sampleMime()) {
  return mg.messages.create(DOMAIN, { message, to: ['me+shop@example.org'] });
}

/** The fields of a rejected mailgun.js call that the app can classify on. */
async function failure(promise: Promise<unknown>) {
  const err: unknown = await promise.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof Error);
  const { status, details, type } = err as Error & { status?: unknown; details?: unknown; type?: unknown };
  return { status, message: err.message, details, type };
}

test('raw MIME arrives byte-identical, non-UTF-8 bytes included, with repeated to and o:/h:/v: fields', async (t) => {
  const { api, mg } = await build(t);
  const mime = sampleMime({ latin1Body: true });
  assert.ok(mime.includes(0xe9));
  const res = await mg.messages.create(DOMAIN, {
    message: mime,
    to: ['me+shop@example.org', 'other@example.org'],
    'o:tracking': 'no',
    'o:tracking-clicks': 'no',
    'o:tracking-opens': 'no',
    'h:X-Relay-Id': 'abc',
    'v:relay': '{"id":1}',
  });
  assert.equal(res.status, 200);
  assert.equal(res.message, 'Queued. Thank you.');
  assert.match(res.id ?? '', /^<\d{14}\.1\.[0-9A-F]{16}@mg\.example\.com>$/);
  const [sent] = api.sent;
  assert.ok(sent);
  assert.equal(sent.endpoint, 'mime');
  assert.equal(sent.domain, DOMAIN);
  assert.equal(sent.id, res.id);
  assert.deepEqual(sent.to, ['me+shop@example.org', 'other@example.org']);
  assert.ok(sent.mime?.equals(mime));
  assert.deepEqual(sent.fields['o:tracking'], ['no']);
  assert.deepEqual(sent.fields['h:X-Relay-Id'], ['abc']);
  assert.deepEqual(sent.fields['v:relay'], ['{"id":1}']);
  assert.deepEqual(sent.files.map((f) => [f.field, f.filename]), [['message', 'MimeMessage']]);
});

test('parsed send: binary attachment and inline image arrive byte-exact with non-ASCII filenames', async (t) => {
  const { api, mg } = await build(t);
  const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
  await mg.messages.create(DOMAIN, {
    from: 'Bob via relay <relay@mg.example.com>',
    to: 'me+shop@example.org',
    cc: 'cc@example.org',
    subject: 'Grüße',
    text: 'Hallo',
    html: '<p>Hallo <img src="cid:logo.png"></p>',
    'h:Reply-To': 'bob@example.net',
    attachment: [{ data: binary, filename: 'Rechnung März €.pdf', contentType: 'application/pdf' }],
    inline: [{ data: png, filename: 'logo.png', contentType: 'image/png' }],
  });
  const [sent] = api.sent;
  assert.ok(sent);
  assert.equal(sent.endpoint, 'parsed');
  assert.equal(sent.mime, null);
  assert.deepEqual(sent.fields.subject, ['Grüße']);
  assert.deepEqual(sent.fields['h:Reply-To'], ['bob@example.net']);
  const [attachment, inline] = sent.files;
  assert.deepEqual({ ...attachment, data: undefined }, { field: 'attachment', filename: 'Rechnung März €.pdf', contentType: 'application/pdf', data: undefined });
  assert.ok(attachment?.data.equals(binary));
  assert.equal(inline?.field, 'inline');
  assert.equal(inline?.filename, 'logo.png');
  assert.ok(inline?.data.equals(png));
});

test('a 2 MiB text field arrives whole', async (t) => {
  const { api, mg } = await build(t);
  const text = 'é€😀 line of text\n'.repeat(Math.ceil((2 * 1024 * 1024) / 20));
  assert.ok(Buffer.byteLength(text) > 2 * 1024 * 1024);
  await mg.messages.create(DOMAIN, { from: 'a@mg.example.com', to: 'b@example.org', subject: 's', text });
  assert.equal(api.sent[0]?.fields.text?.[0], text);
});

test('the real API answers: wrong key 401 Forbidden, missing parameter 400 with its message', async (t) => {
  const { api, mg } = await build(t);
  const wrongKey = client(api.url, 'key-wrong');
  assert.deepEqual(await failure(sendMime(wrongKey)), { status: 401, message: 'Unauthorized', details: 'Forbidden', type: 'MailgunAPIError' });
  const missingFrom = mg.messages.create(DOMAIN, { to: 'b@example.org', text: 'x' } as unknown as Parameters<typeof mg.messages.create>[1]);
  assert.deepEqual(await failure(missingFrom), { status: 400, message: 'Bad Request', details: "'from' parameter is missing", type: 'MailgunAPIError' });
  assert.equal(api.sent.length, 0);
});

test('HTTP faults: status, message (reason phrase or body.error) and details (body.message or text body)', async (t) => {
  const { api, mg } = await build(t);
  const cases = [
    [{ kind: 'status', status: 500 }, { status: 500, message: 'Internal Server Error', details: 'Internal Server Error' }],
    [{ kind: 'status', status: 502, body: '<html>502 Bad Gateway</html>' }, { status: 502, message: 'Bad Gateway', details: '<html>502 Bad Gateway</html>' }],
    [{ kind: 'status', status: 429, body: { message: 'Too many requests' } }, { status: 429, message: 'Too Many Requests', details: 'Too many requests' }],
    [{ kind: 'status', status: 400, body: { message: "'to' parameter is not a valid address" } }, { status: 400, message: 'Bad Request', details: "'to' parameter is not a valid address" }],
    [{ kind: 'status', status: 500, body: { error: 'boom' } }, { status: 500, message: 'boom', details: '' }],
  ] as const;
  for (const [fault, expected] of cases) {
    api.failNext(fault);
    assert.deepEqual(await failure(sendMime(mg)), { ...expected, type: 'MailgunAPIError' });
  }
  assert.equal(api.sent.length, 0);
  await sendMime(mg);
  assert.equal(api.sent.length, 1, 'a fault is used once');
  assert.equal(api.requests, cases.length + 1);
  assert.deepEqual(api.calls.map((c) => c.outcome), [500, 502, 429, 400, 500, 200]);
});

test('hang past the client timeout: status 400, message ECONNABORTED, nothing recorded', async (t) => {
  const { api, mg } = await build(t, 200);
  api.failNext({ kind: 'hang' });
  const started = Date.now();
  assert.deepEqual(await failure(sendMime(mg)), { status: 400, message: 'ECONNABORTED', details: 'timeout of 200ms exceeded', type: 'MailgunAPIError' });
  assert.ok(Date.now() - started < 2000);
  assert.equal(api.sent.length, 0);
  assert.deepEqual(api.calls.map((c) => c.outcome), ['hang']);
});

test('slow answer past the client timeout: the client errors but the message WAS accepted', async (t) => {
  const { api, mg } = await build(t, 200);
  api.failNext({ kind: 'delay', ms: 400 });
  assert.equal((await failure(sendMime(mg))).message, 'ECONNABORTED');
  assert.equal(api.sent.length, 1);
  api.failNext({ kind: 'delay', ms: 50 });
  assert.equal((await sendMime(mg)).status, 200);
});

test('connection reset: status 400, message ECONNRESET', async (t) => {
  const { api, mg } = await build(t);
  api.failNext({ kind: 'reset' });
  assert.deepEqual(await failure(sendMime(mg)), { status: 400, message: 'ECONNRESET', details: 'read ECONNRESET', type: 'MailgunAPIError' });
  assert.equal(api.sent.length, 0);
});

test('connection refused: status 400, message ECONNREFUSED', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  const mg = client(`http://127.0.0.1:${port}`, 'key-x', 1000);
  assert.deepEqual(await failure(sendMime(mg)), {
    status: 400,
    message: 'ECONNREFUSED',
    details: `connect ECONNREFUSED 127.0.0.1:${port}`,
    type: 'MailgunAPIError',
  });
});

test('failWhen(isSend) leaves the Routes API alone and lasts until cleared', async (t) => {
  const { api, mg } = await build(t);
  api.failWhen(isSend, { kind: 'status', status: 503 });
  assert.deepEqual(await mg.routes.list({}), []);
  assert.equal((await failure(sendMime(mg))).status, 503);
  assert.equal((await failure(sendMime(mg))).status, 503);
  api.clearFaults();
  assert.equal((await sendMime(mg)).status, 200);
});

test('routes create / get / list / update / destroy round-trip through mailgun.js', async (t) => {
  const { api, mg } = await build(t);
  const created = await mg.routes.create({
    priority: 1,
    description: 'plus-relay',
    expression: 'match_recipient(".*@relay.example.com")',
    action: ['forward("https://relay.example.com/mailgun/inbound/mime")', 'stop()'],
  });
  assert.match(created.id, /^[0-9a-f]{24}$/);
  assert.equal(created.priority, 1);
  assert.deepEqual(created.actions, ['forward("https://relay.example.com/mailgun/inbound/mime")', 'stop()']);
  assert.ok(!Number.isNaN(Date.parse(created.created_at)));
  assert.deepEqual(await mg.routes.get(created.id), created);
  assert.deepEqual(await mg.routes.list({}), [created]);

  const updated = await mg.routes.update(created.id, { expression: 'catch_all()', action: ['forward("https://x.example/mime")'] });
  assert.equal(updated.message, 'Route has been updated');
  assert.equal(updated.expression, 'catch_all()');
  assert.deepEqual(updated.actions, ['forward("https://x.example/mime")']);
  assert.equal(updated.description, 'plus-relay');
  assert.deepEqual(api.routes[0]?.actions, ['forward("https://x.example/mime")']);

  assert.deepEqual(await mg.routes.destroy(created.id), { id: created.id, message: 'Route has been deleted' });
  assert.deepEqual(await mg.routes.list({}), []);
  assert.equal((await failure(mg.routes.get(created.id))).status, 404);
});

test('domain tracking settings are served from api.tracking', async (t) => {
  const { api, mg } = await build(t);
  assert.deepEqual((await mg.domains.domainTracking.getTracking(DOMAIN)).click, { active: false });
  api.tracking.click.active = true;
  assert.deepEqual((await mg.domains.domainTracking.getTracking(DOMAIN)).click, { active: true });
  assert.deepEqual(api.calls.map((c) => [c.path, c.domain]), [
    [`/v3/domains/${DOMAIN}/tracking`, DOMAIN],
    [`/v3/domains/${DOMAIN}/tracking`, DOMAIN],
  ]);
});

test('SMTP credentials create / list / update through mailgun.js; an existing login and a bad password are refused', async (t) => {
  const { api, mg } = await build(t);
  const { domainCredentials } = mg.domains;
  assert.deepEqual(await domainCredentials.create(DOMAIN, { login: `alias@${DOMAIN}`, password: 'first-password' }), { status: 200, message: 'Created 1 credentials pair(s)' });
  const list = await domainCredentials.list(DOMAIN, { limit: 100, skip: 0 });
  assert.equal(list.totalCount, 1);
  assert.equal(list.items[0]?.login, `alias@${DOMAIN}`);
  assert.equal((await failure(domainCredentials.create(DOMAIN, { login: `alias@${DOMAIN}`, password: 'other-password' }))).status, 400);
  assert.equal((await failure(domainCredentials.create(DOMAIN, { login: 'short', password: '1234' }))).status, 400);
  assert.deepEqual(await domainCredentials.update(DOMAIN, `alias@${DOMAIN}`, { password: 'second-password' }), { status: 200, message: 'Password changed' });
  assert.equal((await failure(domainCredentials.update(DOMAIN, `nobody@${DOMAIN}`, { password: 'second-password' }))).status, 404);
  assert.deepEqual(api.credentials.map((c) => [c.domain, c.login, c.password]), [[DOMAIN, `alias@${DOMAIN}`, 'second-password']]);
  assert.deepEqual((await domainCredentials.list('other.example', { limit: 100, skip: 0 })).items, []);
});

test("the account's domains are listed from api.domains, page by page, as mailgun.js domains.list() reads them", async (t) => {
  const api = await startMailgunApi({ key: 'key-selftest', domains: ['destroy.systems', 'other.example', 'third.example'] });
  t.after(() => api.close());
  const mg = client(api.url, api.key);
  const all = await mg.domains.list();
  assert.deepEqual(all.map((d) => [d.name, d.state]), [['destroy.systems', 'active'], ['other.example', 'active'], ['third.example', 'active']]);
  assert.deepEqual((await mg.domains.list({ limit: 2, skip: 2 })).map((d) => d.name), ['third.example']);
  api.domains.push('late.example');
  assert.equal((await mg.domains.list()).at(-1)?.name, 'late.example');
  assert.ok(api.calls.every((c) => c.path === '/v4/domains' && c.outcome === 200), JSON.stringify(api.calls));
  const v3 = await fetch(`${api.url}/v3/domains?limit=1`, { headers: { authorization: `Basic ${Buffer.from(`api:${api.key}`).toString('base64')}` } });
  const body = (await v3.json()) as { total_count: number; items: Array<{ name: string }> };
  assert.deepEqual([body.total_count, body.items.map((d) => d.name)], [4, ['destroy.systems']], '/v3/domains answers the same list');
});
