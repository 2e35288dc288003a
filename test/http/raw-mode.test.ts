import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { deliveredMime } from '../support/mailgun-api.js';
import { dkimSignedMime, freshSignatureBlock, rawModeFields, rawMultipart, rawUrlencoded, sampleMessage, sampleMime, verifyDkim } from '../support/fixtures.js';

function rawFields(recipient: string): Array<readonly [string, string]> {
  const block = freshSignatureBlock(SIGNING_KEY);
  return [...rawModeFields(sampleMessage({ recipient })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
}

test('raw mode: 8-bit non-UTF-8 bytes reach messages.mime unchanged, tracking off', async (t) => {
  const { app, api } = await build(t);
  const mime = sampleMime({ latin1Body: true, to: 'github@destroy.systems' });
  assert.ok(mime.includes(0xe9) && !Buffer.from(mime.toString('utf8')).equals(mime), 'fixture must hold invalid UTF-8');
  const body = rawUrlencoded(mime, rawFields('github@destroy.systems'));
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  const sent = api.sent[0]!;
  assert.equal(sent.endpoint, 'mime');
  assert.deepEqual(sent.to, ['personalemail+github@gmail.com']);
  assert.ok(sent.mime?.equals(mime), 'the MIME bytes changed on the way');
  for (const option of ['o:tracking', 'o:tracking-clicks', 'o:tracking-opens']) assert.deepEqual(sent.fields[option], ['no'], option);
});

test('raw mode as a multipart file part, with LF line endings, is forwarded byte for byte', async (t) => {
  const { app, api } = await build(t);
  const mime = sampleMime({ lineEnding: 'lf', attachment: { filename: 'a.bin', contentType: 'application/octet-stream', data: Buffer.from([0, 1, 2, 255]) } });
  const body = rawMultipart(mime, rawFields('shop@destroy.systems'));
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.ok(api.sent[0]!.mime?.equals(mime));
});

test('each endpoint accepts either shape: body-mime posted to /mailgun/inbound is still sent raw', async (t) => {
  const { app, api } = await build(t);
  const mime = sampleMime({ latin1Body: true });
  const body = rawUrlencoded(mime, rawFields('shop@destroy.systems'));
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(api.sent[0]!.endpoint, 'mime');
  assert.ok(api.sent[0]!.mime?.equals(mime));
});

test("the sender's DKIM signature still verifies on what Mailgun is asked to send", async (t) => {
  const { app, api } = await build(t);
  const signed = await dkimSignedMime(sampleMime({ latin1Body: true, from: 'Bob <bob@example.net>' }), { domain: 'example.net' });
  assert.equal((await verifyDkim(signed.mime, signed.resolver)).result, 'pass', 'fixture signs correctly');
  const body = rawUrlencoded(signed.mime, rawFields('github@destroy.systems'));
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(await verifyDkim(api.sent[0]!.mime!, signed.resolver), { result: 'pass', comment: null });
});

test("Google's forwarding headers go as h: options, outside the signed bytes: DKIM verifies on what the target gets", async (t) => {
  const { app, api } = await build(t);
  const signed = await dkimSignedMime(sampleMime({ from: 'Bob <bob@example.net>' }), { domain: 'example.net' });
  const body = rawUrlencoded(signed.mime, rawFields('family+school@destroy.systems'));
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  const byTarget = new Map(api.sent.map((s) => [s.to[0], s]));
  for (const target of ['parent+school@fastmail.com', 'kid+school@fastmail.com']) {
    const sent = byTarget.get(target);
    assert.ok(sent, target);
    assert.ok(sent.mime?.equals(signed.mime), target);
    assert.deepEqual(sent.fields['h:X-Forwarded-To'], [target]);
    assert.deepEqual(sent.fields['h:X-Forwarded-For'], [`family+school@destroy.systems ${target}`]);
    assert.deepEqual(await verifyDkim(deliveredMime(sent), signed.resolver), { result: 'pass', comment: null }, target);
  }
});

test('several targets: each receives its own send, none sees the others', async (t) => {
  const { app, api } = await build(t);
  const mime = sampleMime();
  const body = rawUrlencoded(mime, rawFields('family+school@destroy.systems'));
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(api.sent.map((s) => s.to).sort(), [['kid+school@fastmail.com'], ['parent+school@fastmail.com']]);
  for (const sent of api.sent) assert.ok(sent.mime?.equals(mime));
});
