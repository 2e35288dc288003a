import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { parsedMultipart, parsedPayload, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';

const post = (app: Awaited<ReturnType<typeof build>>['app'], body: { payload: Buffer; headers: Record<string, string> }) =>
  app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });

test('an urlencoded parsed-mode post is rebuilt, From our domain, Reply-To the sender, tracking off', async (t) => {
  const { app, api } = await build(t);
  const sample = sampleMessage({ recipient: 'github@destroy.systems', signingKey: SIGNING_KEY, subject: 'Caf\u00e9 order' });
  const res = await post(app, parsedPayload(sample));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().status, 'forwarded');
  assert.equal(api.sent.length, 1);
  const sent = api.sent[0]!;
  assert.equal(sent.endpoint, 'parsed');
  assert.equal(sent.domain, 'destroy.systems');
  assert.deepEqual(sent.to, ['personalemail+github@gmail.com']);
  assert.deepEqual(sent.fields['from'], ['"Bob (bob@example.net) via plus-relay" <relay@destroy.systems>']);
  assert.deepEqual(sent.fields['h:Reply-To'], ['Bob <bob@example.net>']);
  assert.deepEqual(sent.fields['subject'], ['Caf\u00e9 order']);
  assert.match(sent.fields['text']?.[0] ?? '', /this is a test message/);
  assert.match(sent.fields['html']?.[0] ?? '', /<p>Hi,<\/p>/);
  for (const option of ['o:tracking', 'o:tracking-clicks', 'o:tracking-opens']) assert.deepEqual(sent.fields[option], ['no'], option);
});

test('multipart with binary attachments and non-ASCII filenames arrives byte for byte', async (t) => {
  const { app, api } = await build(t);
  const pdf = randomBytes(300_000);
  const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a]);
  const sample = sampleMessage({
    recipient: 'shop@destroy.systems',
    signingKey: SIGNING_KEY,
    attachments: [
      { filename: 'R\u00e9sum\u00e9 \u65e5\u672c.pdf', contentType: 'application/pdf', data: pdf },
      { filename: '\u00fcbersicht.zip', contentType: 'application/zip', data: zip, filenameEncoding: 'rfc2231' },
      { filename: '\\\\share\\mail\\forwarded.msg', contentType: 'application/vnd.ms-outlook', data: Buffer.from('msg') },
    ],
  });
  const res = await post(app, parsedPayload(sample));
  assert.equal(res.statusCode, 200, res.body);
  const files = api.sent[0]!.files.filter((f) => f.field === 'attachment');
  assert.deepEqual(files.map((f) => f.filename), ['R\u00e9sum\u00e9 \u65e5\u672c.pdf', '\u00fcbersicht.zip', 'forwarded.msg']);
  assert.deepEqual(files.map((f) => f.contentType), ['application/pdf', 'application/zip', 'application/vnd.ms-outlook']);
  assert.ok(files[0]!.data.equals(pdf), 'pdf bytes differ');
  assert.ok(files[1]!.data.equals(zip), 'zip bytes differ');
});

test('inline images from content-id-map are sent as inline parts named by their Content-ID', async (t) => {
  const { app, api } = await build(t);
  const png = randomBytes(2048);
  const cid = 'part1.04060802.06030207@example.com';
  const sample = sampleMessage({
    recipient: 'shop@destroy.systems',
    signingKey: SIGNING_KEY,
    bodyHtml: `<p>logo: <img src="cid:${cid}"></p>`,
    attachments: [
      { filename: 'logo.png', contentType: 'image/png', data: png, contentId: cid },
      { filename: 'terms.txt', contentType: 'text/plain', data: Buffer.from('terms') },
    ],
  });
  const res = await post(app, parsedPayload(sample));
  assert.equal(res.statusCode, 200, res.body);
  const sent = api.sent[0]!;
  const inline = sent.files.filter((f) => f.field === 'inline');
  assert.equal(inline.length, 1);
  assert.equal(inline[0]!.filename, cid, 'Mailgun sets Content-ID from the inline filename');
  assert.ok(inline[0]!.data.equals(png));
  assert.deepEqual(sent.files.filter((f) => f.field === 'attachment').map((f) => f.filename), ['terms.txt']);
  assert.match(sent.fields['html']?.[0] ?? '', new RegExp(`cid:${cid.replace(/\./g, '\\.')}`));
});

test('text and html fields over 1 MiB arrive whole, urlencoded and multipart', async (t) => {
  const { app, api } = await build(t);
  const big = 'x'.repeat(3 * 1024 * 1024 - 7) + '\u00e9nd';
  const html = `<p>${'y'.repeat(2 * 1024 * 1024)}</p>`;
  const a = sampleMessage({ recipient: 'big@destroy.systems', signingKey: SIGNING_KEY, bodyPlain: big, bodyHtml: html });
  const b = sampleMessage({ recipient: 'big2@destroy.systems', signingKey: SIGNING_KEY, bodyPlain: big, bodyHtml: html });
  assert.equal((await post(app, parsedUrlencoded(a.fields))).statusCode, 200);
  assert.equal((await post(app, parsedMultipart(b.fields, []))).statusCode, 200);
  assert.equal(api.sent.length, 2);
  for (const sent of api.sent) {
    assert.equal(sent.fields['text']?.[0], big);
    assert.equal(sent.fields['html']?.[0], html);
  }
});

test('odd parsed payloads still forward: broken message-headers, empty subject, no body, miscounted attachments', async (t) => {
  const { app, api } = await build(t);
  const sample = sampleMessage({ recipient: 'odd@destroy.systems', signingKey: SIGNING_KEY, subject: '' });
  const fields = sample.fields
    .filter(([n]) => !['body-plain', 'body-html', 'from'].includes(n))
    .map(([n, v]): [string, string] => [n, n === 'message-headers' ? '[["From", {"x": 1}], "not a pair", [' : n === 'attachment-count' ? '7' : v]);
  const res = await post(app, parsedUrlencoded(fields));
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(api.sent[0]!.to, ['personalemail+odd@gmail.com']);
  assert.ok(api.sent[0]!.fields['text']?.[0], 'a body-less message still has a text part');
});
