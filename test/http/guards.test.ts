import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { freshSignatureBlock, parsedMultipart, parsedUrlencoded, rawModeFields, rawUrlencoded, sampleMessage, sampleMime, type FilePart } from '../support/fixtures.js';

type Fields = Array<readonly [string, string]>;

function block(): Fields {
  const b = freshSignatureBlock(SIGNING_KEY);
  return [['timestamp', b.timestamp], ['token', b.token], ['signature', b.signature]];
}
/** Parsed mode with extra header pairs in `message-headers` (and as their own fields, as Mailgun does). */
function parsedWith(extra: Array<[string, string]>, recipient = 'github@destroy.systems'): Fields {
  const fields = sampleMessage({ recipient }).fields.map(([n, v]): readonly [string, string] => {
    if (n !== 'message-headers') return [n, v];
    return [n, JSON.stringify([...(JSON.parse(v) as Array<[string, string]>), ...extra])];
  });
  return [...fields, ...extra, ...block()];
}
function rawWith(headers: string[], recipient = 'github@destroy.systems') {
  const mime = sampleMime({ to: recipient, headers, messageId: `<${Math.random()}@mail.example.net>` });
  return rawUrlencoded(mime, [...rawModeFields(sampleMessage({ recipient })), ...block()]);
}
const received = (n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => ['Received', `from hop${i}.example.net by hop${i + 1}.example.net; Wed, 14 Feb 2026 09:30:12 +0000`]);

test('more than 25 Received headers is a mail loop: 406, nothing sent (parsed and raw); 25 in all still goes', async (t) => {
  const { app, api } = await build(t);
  const post = (url: string, body: { payload: Buffer; headers: Record<string, string> }) => app.inject({ method: 'POST', url, payload: body.payload, headers: body.headers });

  // The sample already carries 2 Received headers.
  const looping = await post('/mailgun/inbound', parsedUrlencoded(parsedWith(received(24))));
  assert.equal(looping.statusCode, 406, looping.body);
  assert.match(looping.json().message, /mail loop: 26 Received/);
  const rawLooping = await post('/mailgun/inbound/mime', rawWith(received(24).map(([n, v]) => `${n}: ${v}`)));
  assert.equal(rawLooping.statusCode, 406, rawLooping.body);
  assert.equal(api.sent.length, 0);

  const ok = await post('/mailgun/inbound', parsedUrlencoded(parsedWith(received(23))));
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(api.sent.length, 1);
});

test('every forward carries X-Plus-Relay (default: the first rules domain; RELAY_ID overrides), on both send kinds', async (t) => {
  const { app, api } = await build(t);
  const parsed = parsedUrlencoded(parsedWith([]));
  assert.equal((await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: parsed.payload, headers: parsed.headers })).statusCode, 200);
  const raw = rawWith([], 'gitlab@destroy.systems');
  assert.equal((await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: raw.payload, headers: raw.headers })).statusCode, 200);
  assert.deepEqual(api.sent.map((s) => [s.endpoint, s.fields['h:X-Plus-Relay']]), [['parsed', ['destroy.systems']], ['mime', ['destroy.systems']]]);

  const other = await build(t, { env: { RELAY_ID: 'relay-eu-1' } });
  const again = parsedUrlencoded(parsedWith([]));
  assert.equal((await other.app.inject({ method: 'POST', url: '/mailgun/inbound', payload: again.payload, headers: again.headers })).statusCode, 200);
  assert.deepEqual(other.api.sent[0]?.fields['h:X-Plus-Relay'], ['relay-eu-1']);
});

test('a message that already carries our mark is refused (406); another relay\'s mark is not', async (t) => {
  const { app, api } = await build(t);
  const post = (url: string, body: { payload: Buffer; headers: Record<string, string> }) => app.inject({ method: 'POST', url, payload: body.payload, headers: body.headers });
  for (const value of ['destroy.systems', ' Destroy.Systems ']) {
    const res = await post('/mailgun/inbound', parsedUrlencoded(parsedWith([['X-Plus-Relay', value]])));
    assert.equal(res.statusCode, 406, res.body);
    assert.match(res.json().message, /already relayed by destroy\.systems/);
  }
  const raw = await post('/mailgun/inbound/mime', rawWith(['X-Plus-Relay: destroy.systems']));
  assert.equal(raw.statusCode, 406, raw.body);
  assert.equal(api.sent.length, 0);

  const foreign = await post('/mailgun/inbound', parsedUrlencoded(parsedWith([['X-Plus-Relay', 'someone-else.example']])));
  assert.equal(foreign.statusCode, 200, foreign.body);
  assert.equal(api.sent.length, 1);
});

test('our own forward coming back (Mailgun added h:X-Plus-Relay to the MIME) is refused, not forwarded again', async (t) => {
  const { app, api } = await build(t);
  const first = rawWith([]);
  assert.equal((await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: first.payload, headers: first.headers })).statusCode, 200);
  const sent = api.sent[0];
  assert.ok(sent?.mime);
  // What Mailgun delivers: the message with the h: header prepended.
  const delivered = Buffer.concat([Buffer.from(`X-Plus-Relay: ${sent.fields['h:X-Plus-Relay']?.[0]}\r\n`), sent.mime]);
  const back = rawUrlencoded(delivered, [...rawModeFields(sampleMessage({ recipient: 'github@destroy.systems' })), ...block()]);
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: back.payload, headers: back.headers });
  assert.equal(res.statusCode, 406, res.body);
  assert.equal(api.sent.length, 1);
});

test('multipart limits: too many files or fields is a 406 that says which; urlencoded too many fields too', async (t) => {
  const { app, api } = await build(t);
  const base = parsedWith([]);
  const file = (i: number): FilePart => ({ field: `attachment-${i}`, filename: `f${i}.txt`, contentType: 'text/plain', data: Buffer.from('x') });
  const cases: Array<[string, { payload: Buffer; headers: Record<string, string> }, RegExp]> = [
    ['101 files', parsedMultipart(base, Array.from({ length: 101 }, (_, i) => file(i + 1))), /too many form files/],
    ['1001 fields', parsedMultipart([...base, ...Array.from({ length: 1001 }, (_, i) => [`x-${i}`, 'v'] as const)]), /too many form fields/],
    ['1001 urlencoded fields', parsedUrlencoded([...base, ...Array.from({ length: 1001 }, (_, i) => [`x-${i}`, 'v'] as const)]), /too many form fields/],
  ];
  for (const [name, body, message] of cases) {
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
    assert.equal(res.statusCode, 406, `${name}: ${res.statusCode} ${res.body}`);
    assert.match(res.json().message, message, name);
  }
  assert.equal(api.sent.length, 0);
  const within = parsedMultipart(parsedWith([]), Array.from({ length: 100 }, (_, i) => file(i + 1)));
  const ok = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: within.payload, headers: within.headers });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(api.sent[0]?.files.filter((f) => f.field === 'attachment').length, 100);
});

test('a body over MAX_BODY_BYTES is refused with a log line', async (t) => {
  const lines: string[] = [];
  const stream = { write: (line: string) => void lines.push(line) };
  const { app, api } = await build(t, { env: { MAX_BODY_BYTES: String(32 * 1024) }, app: { logger: { level: 'info', stream } } });
  const body = rawUrlencoded(Buffer.alloc(64 * 1024, 0x61), [...rawModeFields(sampleMessage({ recipient: 'github@destroy.systems' })), ...block()]);
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 406);
  assert.equal(api.sent.length, 0);
  const refused = lines.map((l) => JSON.parse(l) as { msg: string; status?: number; message?: string }).find((l) => l.msg === 'request refused');
  assert.ok(refused, lines.join(''));
  assert.equal(refused.status, 406);
  assert.match(refused.message ?? '', /MAX_BODY_BYTES/);
});
