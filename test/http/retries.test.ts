import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY, testClock } from '../helpers/build.js';
import { isSend } from '../support/mailgun-api.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage, sign } from '../support/fixtures.js';

type Fields = Array<readonly [string, string]>;

function unsigned(recipient = 'github@destroy.systems'): Fields {
  return sampleMessage({ recipient }).fields;
}
function withBlock(fields: Fields, block: { timestamp: string; token: string; signature: string }): Fields {
  return [...fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
}
function postWith(app: Awaited<ReturnType<typeof build>>['app'], fields: Fields) {
  const body = parsedUrlencoded(fields);
  return app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
}

test('the signature test vectors from Mailgun hold for the relay', async (t) => {
  const { signBlock, verifySignature } = await import('../../src/inbound/signature.js');
  assert.equal(signBlock('tbsy84uSV1Kt3ZJZELY2TmShPRs91E3yL4tzf96297vBCkDWgL', '1539112500', '7VwW7k6Ak7zcTwoSoNm7aTtbk1g67MKAnsYLfUB7PdszbgR5Xi'), 'ef24c5225322217bb065b80bb54eb4f9206d764e3e16abab07f0a64d1cf477cc');
  const policy = { keys: ['foo'], maxAgeSeconds: 9 * 3600, maxFutureSeconds: 300 };
  const block = { timestamp: '1366071615', token: '5o56tmpwd3dnwthehwclemd-i-7u2gv9vb3u745ywj67d0mc87', signature: 'bc2ab6c1080d52f2a06928b93f21e86c2d28c548e2ef64354f8ba1a95bb53cd6' };
  assert.equal(verifySignature(block, policy, 1366071615_000), 'ok');
  assert.equal(verifySignature({ ...block, token: 'Zx8mJBiGmiiyyfWnho3zKyjCg2pxLARoCuBM7X9AKCioShGiMX' }, policy, 1366071615_000), 'mismatch');
  assert.equal(verifySignature(block, { ...policy, keys: ['old', 'foo'] }, 1366071615_000), 'ok', 'key rotation: any listed key');
  t.diagnostic('vectors verified');
});

test('missing, wrong and foreign-key signatures get 401 and send nothing', async (t) => {
  const { app, api } = await build(t);
  const good = freshSignatureBlock(SIGNING_KEY);
  const cases: Array<[string, Fields]> = [
    ['missing', unsigned()],
    ['wrong', withBlock(unsigned(), { ...good, signature: sign(SIGNING_KEY, good.timestamp, good.token + 'x') })],
    ['other key', withBlock(unsigned(), freshSignatureBlock('another-key'))],
    ['not hex', withBlock(unsigned(), { ...good, signature: 'zz' + good.signature.slice(2) })],
  ];
  for (const [name, fields] of cases) {
    const res = await postWith(app, fields);
    assert.equal(res.statusCode, 401, name);
  }
  assert.equal(api.sent.length, 0);
});

test('the window: 8-hour-old retries are accepted, older than MAILGUN_MAX_SIGNATURE_AGE or >5 min ahead are not', async (t) => {
  const clock = testClock();
  const { app, api } = await build(t, { clock, env: { MAILGUN_MAX_SIGNATURE_AGE: String(9 * 3600) } });
  const now = Date.now();
  let n = 0; // a new address each time, so the (message, target) dedupe stays out of the way
  const at = (ms: number) => withBlock(unsigned(`svc${n++}@destroy.systems`), freshSignatureBlock(SIGNING_KEY, new Date(now + ms)));
  assert.equal((await postWith(app, at(-8 * 3600_000))).statusCode, 200, '8 h old: a late Mailgun retry');
  assert.equal((await postWith(app, at(-9 * 3600_000 - 60_000))).statusCode, 401, 'older than 9 h');
  assert.equal((await postWith(app, at(4 * 60_000))).statusCode, 200, '4 min ahead: clock skew');
  assert.equal((await postWith(app, at(6 * 60_000))).statusCode, 401, '6 min ahead');
  assert.equal(api.sent.length, 2);
});

test('a replayed signature block answers 200 and sends nothing more', async (t) => {
  const { app, api } = await build(t);
  const fields = withBlock(unsigned(), freshSignatureBlock(SIGNING_KEY));
  assert.equal((await postWith(app, fields)).statusCode, 200);
  const replay = await postWith(app, fields);
  assert.equal(replay.statusCode, 200);
  assert.equal(replay.json().status, 'duplicate');
  assert.equal(api.sent.length, 1);
});

for (const [name, fault] of [
  ['a 500', { kind: 'status', status: 500 }],
  ['a 502', { kind: 'status', status: 502 }],
  ['a 429', { kind: 'status', status: 429, body: { message: 'Too many requests' } }],
  ['a 401 (wrong API key, fixable)', { kind: 'status', status: 401, body: 'Forbidden' }],
  ['a connection reset', { kind: 'reset' }],
  ['a timeout', { kind: 'hang', ms: 5000 }],
] as const) {
  test(`${name} from the Mailgun API → 5xx, and Mailgun's retry with the same block delivers exactly once`, async (t) => {
    const { app, api } = await build(t, { env: { MAILGUN_TIMEOUT_MS: '300' } });
    api.failWhen(isSend, fault, 1);
    const fields = withBlock(unsigned(), freshSignatureBlock(SIGNING_KEY));
    const first = await postWith(app, fields);
    assert.ok(first.statusCode >= 500 && first.statusCode < 600, `first answer ${first.statusCode}`);
    assert.equal(api.sent.length, 0);
    const retry = await postWith(app, fields);
    assert.equal(retry.statusCode, 200, retry.body);
    assert.equal((await postWith(app, fields)).statusCode, 200, 'a later replay');
    assert.equal(api.sent.length, 1);
  });
}

test('a permanent API refusal (400) is a 406 and is not retried into a send', async (t) => {
  const { app, api } = await build(t);
  api.failWhen(isSend, { kind: 'status', status: 400, body: { message: "'to' parameter is not a valid address" } }, 1);
  const fields = withBlock(unsigned(), freshSignatureBlock(SIGNING_KEY));
  assert.equal((await postWith(app, fields)).statusCode, 406);
  assert.equal((await postWith(app, fields)).statusCode, 200, 'a replay of a refused delivery is acknowledged');
  assert.equal(api.sent.length, 0);
});

test('a partial failure: the retry sends only to the target that failed', async (t) => {
  const { app, api } = await build(t);
  api.failWhen((req) => isSend(req) && (req.form.fields['to'] ?? []).includes('kid+school@fastmail.com'), { kind: 'status', status: 503 }, 1);
  const fields = withBlock(unsigned('family+school@destroy.systems'), freshSignatureBlock(SIGNING_KEY));
  assert.equal((await postWith(app, fields)).statusCode, 502);
  assert.deepEqual(api.sent.map((s) => s.to), [['parent+school@fastmail.com']]);
  assert.equal((await postWith(app, fields)).statusCode, 200);
  assert.deepEqual(api.sent.map((s) => s.to[0]).sort(), ['kid+school@fastmail.com', 'parent+school@fastmail.com']);
});

test('two simultaneous deliveries of one token send once, and both are answered 200', async (t) => {
  const { app, api } = await build(t);
  api.failWhen(isSend, { kind: 'delay', ms: 200 }, 1);
  const fields = withBlock(unsigned(), freshSignatureBlock(SIGNING_KEY));
  const answers = await Promise.all([postWith(app, fields), postWith(app, fields), postWith(app, fields)]);
  assert.deepEqual(answers.map((a) => a.statusCode), [200, 200, 200]);
  assert.equal(api.sent.length, 1);
});

test('the same message under a new token (Mailgun redelivery) is not forwarded twice to a target', async (t) => {
  const { app, api } = await build(t);
  assert.equal((await postWith(app, withBlock(unsigned(), freshSignatureBlock(SIGNING_KEY)))).statusCode, 200);
  const again = await postWith(app, withBlock(unsigned(), freshSignatureBlock(SIGNING_KEY)));
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().status, 'duplicate');
  assert.equal(api.sent.length, 1);
  assert.equal((await postWith(app, withBlock(unsigned('gitlab@destroy.systems'), freshSignatureBlock(SIGNING_KEY)))).statusCode, 200);
  assert.equal(api.sent.length, 2, 'one message to two of our addresses reaches both targets');
});
