// Every multipart part arrives as the bytes that were sent, whatever charset or type its headers declare: a part
// declared `charset=utf-8` used to be decoded and re-encoded as latin1 (`café €` went out as `cafÃ© ?`), a part
// declared `application/json` was parsed into an object, and both were answered 200.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { freshSignatureBlock, multipartOf, rawModeFields, sampleMessage, sampleMime, type PartSpec } from '../support/fixtures.js';

const UTF8 = 'café €';

function signedParts(fields: ReadonlyArray<readonly [string, string]>): PartSpec[] {
  const block = freshSignatureBlock(SIGNING_KEY);
  return [...fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]].map(([name, value]) => ({ name, data: Buffer.from(value, 'utf8') }));
}

test('raw mode: a body-mime part declaring a charset reaches messages.mime byte for byte, UTF-8 and 8-bit bytes alike', async (t) => {
  const { app, api } = await build(t);
  // A UTF-8 header line on top of an ISO-8859-1 8-bit body: valid in neither charset as a whole.
  const mime = Buffer.concat([Buffer.from(`X-Note: ${UTF8}\r\n`, 'utf8'), sampleMime({ latin1Body: true, to: 'github@destroy.systems' })]);
  assert.ok(mime.includes(Buffer.from(UTF8, 'utf8')) && mime.includes(0xe9) && !Buffer.from(mime.toString('utf8')).equals(mime), 'fixture: UTF-8 and invalid UTF-8');
  const fields = rawModeFields(sampleMessage({ recipient: 'github@destroy.systems' }));
  for (const filename of [undefined, 'message.mime']) {
    const body = multipartOf([...signedParts(fields), { name: 'body-mime', data: mime, contentType: 'message/rfc822; charset=utf-8', ...(filename ? { filename } : {}) }]);
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
    assert.equal(res.statusCode, 200, res.body);
    const sent = api.sent.at(-1);
    assert.ok(sent?.mime?.equals(mime), `filename ${String(filename)}: the MIME bytes changed on the way`);
  }
});

test('parsed mode: text parts declaring charset=utf-8 keep their text; a part declared application/json stays bytes', async (t) => {
  const { app, api } = await build(t);
  const fields = sampleMessage({ recipient: 'github@destroy.systems' }).fields.filter(([name]) => name !== 'subject' && name !== 'body-plain');
  const text = `Grüße, ${UTF8}\r\n`;
  const body = multipartOf([
    ...signedParts(fields),
    { name: 'subject', data: Buffer.from(UTF8, 'utf8'), contentType: 'text/plain; charset=utf-8' },
    { name: 'body-plain', data: Buffer.from(text, 'utf8'), contentType: 'text/plain; charset="UTF-8"' },
  ]);
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(api.sent[0]?.fields.subject, [UTF8]);
  assert.deepEqual(api.sent[0]?.fields.text, [text]);

  // message-headers declared as JSON: read as the bytes sent (its Received count trips the loop guard), not parsed
  // by the multipart layer into an object that the relay would then see as "[object Object]".
  const hops = Array.from({ length: 30 }, (_, i) => ['Received', `from hop${i}.example (${UTF8})`]);
  const looped = multipartOf([
    ...signedParts(fields.filter(([name]) => name !== 'message-headers')),
    { name: 'message-headers', data: Buffer.from(JSON.stringify(hops), 'utf8'), contentType: 'application/json; charset=utf-8' },
  ]);
  const refused = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: looped.payload, headers: looped.headers });
  assert.equal(refused.statusCode, 406, refused.body);
  assert.match(refused.json().message, /30 Received headers/);
  assert.equal(api.sent.length, 1);
});
