import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY, testClock } from '../helpers/build.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { freshSignatureBlock, parsedMultipart, parsedUrlencoded, rawUrlencoded, sampleMessage, sampleMime } from '../support/fixtures.js';

function signed(recipient: string | null): Array<readonly [string, string]> {
  const fields = sampleMessage({ recipient: recipient ?? 'x@destroy.systems' }).fields.filter(([n]) => recipient !== null || n !== 'recipient');
  const block = freshSignatureBlock(SIGNING_KEY);
  return [...fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
}

test('refused for good (406), nothing sent: foreign domain, no rule, reject rule, no recipient', async (t) => {
  const { app, api } = await build(t, { rules: 'domains: [destroy.systems]\nusers:\n  owner: "me+{service}@gmail.com"\nrules:\n  - match: "abuse"\n    reject: true\n  - match: "shop-{service}"\n    user: owner\n' });
  for (const [recipient, reason] of [
    ['github@other.example', 'foreign-domain'],
    ['github@destroy.systems', 'no-rule'],
    ['ABUSE@Destroy.Systems', 'reject-rule'],
    [null, 'no recipient'],
  ] as const) {
    const body = parsedUrlencoded(signed(recipient));
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
    assert.equal(res.statusCode, 406, `${recipient}: ${res.body}`);
    assert.equal(res.json().message, reason);
  }
  assert.equal(api.sent.length, 0);
});

test('crafted recipients never add an address, a header or a display name to the Mailgun call', async (t) => {
  const { app, api } = await build(t);
  const crafted = [
    'victim@evil.example,github@destroy.systems',
    'github@destroy.systems, victim@evil.example',
    '"victim@evil.example"@destroy.systems',
    'victim@evil.example@destroy.systems',
    'Victim <victim@evil.example>',
    'github@destroy.systems\r\nBcc: victim@evil.example',
    'github%victim@destroy.systems',
    '<github@destroy.systems>',
    `${'a'.repeat(5000)}@destroy.systems`,
    'owner+{service}@destroy.systems',
  ];
  for (const recipient of crafted) {
    const body = parsedUrlencoded(signed(recipient));
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
    assert.equal(res.statusCode, 406, `${JSON.stringify(recipient)} → ${res.statusCode} ${res.body}`);
  }
  assert.equal(api.sent.length, 0, JSON.stringify(api.sent.map((s) => s.to)));
});

test('a body over MAX_BODY_BYTES is a 406, urlencoded and multipart, declared or streamed', async (t) => {
  const { app, api } = await build(t, { env: { MAX_BODY_BYTES: String(64 * 1024) } });
  const big = rawUrlencoded(Buffer.alloc(100 * 1024, 0x61), signed('github@destroy.systems'));
  const multi = parsedMultipart(signed('github@destroy.systems'), [{ field: 'attachment-1', filename: 'a.bin', contentType: 'application/octet-stream', data: Buffer.alloc(100 * 1024) }]);
  for (const body of [big, multi]) {
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
    assert.equal(res.statusCode, 406, res.body);
    assert.match(res.json().message, /MAX_BODY_BYTES/);
  }
  assert.equal(api.sent.length, 0);
});

test('garbage never gets a 5xx: odd content types, broken multipart, empty bodies', async (t) => {
  const { app, api } = await build(t);
  const cases: Array<[string, string | Buffer]> = [
    ['application/json', '{"recipient": "github@destroy.systems"}'],
    ['text/plain', 'hello'],
    ['application/octet-stream', Buffer.from([0, 1, 2])],
    ['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="recipient"\r\n\r\ngithub@destroy.systems'],
    ['multipart/form-data', 'no boundary'],
    ['application/x-www-form-urlencoded', '%%%&&&==&=&recipient=%ZZ'],
    ['application/x-www-form-urlencoded', ''],
  ];
  for (const [type, payload] of cases) {
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload, headers: { 'content-type': type } });
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${type}: ${res.statusCode} ${res.body}`);
  }
  assert.equal(api.sent.length, 0);
  const health = await app.inject('/healthz');
  assert.equal(health.statusCode, 200);
});

test('GET /healthz reports status, the number of rules and the transport', async (t) => {
  const { app } = await build(t);
  const res = await app.inject('/healthz');
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.status, 'ok');
  assert.equal(body.rules, 5);
  assert.equal(body.transport, 'mailgun');
});

test('GET /healthz is public: a failing store answers 503 with its kind and ok only; the error text goes to the log', async (t) => {
  // What a Redis client reports names the host, the port and sometimes the user: not for anyone on the internet.
  const secret = 'redis unreachable: connect ECONNREFUSED 10.7.0.3:6379 (user relay-admin)';
  const failures: Array<() => Promise<{ ok: boolean; detail: string }>> = [
    async () => ({ ok: false, detail: secret }),
    async () => Promise.reject(new Error(secret)),
  ];
  for (const health of failures) {
    const lines: string[] = [];
    const stream = { write: (line: string) => void lines.push(line) };
    const store = { ...createSqliteStore({ location: ':memory:', clock: testClock() }), health };
    const { app } = await build(t, { store, app: { logger: { level: 'info', stream } } });
    const res = await app.inject('/healthz');
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json().store, { kind: 'sqlite', ok: false });
    assert.equal(res.json().status, 'degraded');
    assert.ok(!res.body.includes('10.7.0.3') && !res.body.includes('relay-admin'), res.body);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; detail?: string }).find((l) => l.msg === 'health check: store unavailable');
    assert.equal(logged?.detail, secret, lines.join(''));
  }
});
