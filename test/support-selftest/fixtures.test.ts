// Proves the inbound fixtures: signature test vectors, byte-exact encodings, realistic field sets, DKIM round-trip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import {
  dkimSignedMime,
  freshSignatureBlock,
  parsedMultipart,
  parsedPayload,
  parsedUrlencoded,
  rawModeFields,
  rawMultipart,
  rawUrlencoded,
  sampleMessage,
  sampleMime,
  sign,
  verifyDkim,
  type Payload,
} from '../support/fixtures.js';
import { readForm, type ApiForm } from '../support/mailgun-api/form.js';

/** Decodes application/x-www-form-urlencoded into byte values, never through a UTF-8 string. */
function decodeFormBytes(body: Buffer): Array<[string, Buffer]> {
  const bytes = (s: string) => {
    const out: number[] = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '+') out.push(0x20);
      else if (s[i] === '%') out.push(parseInt(s.slice(i + 1, (i += 2) + 1), 16));
      else out.push(s.charCodeAt(i));
    }
    return Buffer.from(out);
  };
  return body.toString('ascii').split('&').map((pair) => {
    const [name = '', value = ''] = pair.split('=');
    return [bytes(name).toString('utf8'), bytes(value)];
  });
}

/** Parses a multipart payload with busboy (via @fastify/multipart), as the app will. */
async function parseMultipart({ payload, headers }: Payload): Promise<ApiForm> {
  const app = Fastify();
  await app.register(multipart);
  let form: ApiForm | undefined;
  app.post('/', async (req) => {
    form = await readForm(req);
    return {};
  });
  const res = await app.inject({ method: 'POST', url: '/', payload, headers });
  await app.close();
  assert.equal(res.statusCode, 200, res.body);
  assert.ok(form);
  return form;
}

test('sign() holds the MAILGUN.md test vectors', () => {
  assert.equal(
    sign('tbsy84uSV1Kt3ZJZELY2TmShPRs91E3yL4tzf96297vBCkDWgL', '1539112500', '7VwW7k6Ak7zcTwoSoNm7aTtbk1g67MKAnsYLfUB7PdszbgR5Xi'),
    'ef24c5225322217bb065b80bb54eb4f9206d764e3e16abab07f0a64d1cf477cc',
  );
  assert.equal(
    sign('foo', '1366071615', '5o56tmpwd3dnwthehwclemd-i-7u2gv9vb3u745ywj67d0mc87'),
    'bc2ab6c1080d52f2a06928b93f21e86c2d28c548e2ef64354f8ba1a95bb53cd6',
  );
  assert.notEqual(
    sign('tbsy84uSV1Kt3ZJZELY2TmShPRs91E3yL4tzf96297vBCkDWgL', '1539112500', 'Zx8mJBiGmiiyyfWnho3zKyjCg2pxLARoCuBM7X9AKCioShGiMX'),
    'ef24c5225322217bb065b80bb54eb4f9206d764e3e16abab07f0a64d1cf477cc',
  );
});

test('freshSignatureBlock: 50-character token, current timestamp, valid signature', () => {
  const now = new Date('2026-02-14T09:30:12Z');
  const block = freshSignatureBlock('key-signing', now);
  assert.equal(block.timestamp, '1771061412');
  assert.equal(block.token.length, 50);
  assert.equal(block.signature, sign('key-signing', block.timestamp, block.token));
  assert.notEqual(freshSignatureBlock('key-signing', now).token, block.token);
});

test('sampleMessage: Mailgun field set with duplicate headers in message-headers and as own fields', () => {
  const { fields, files } = sampleMessage({ signingKey: 'k', spam: { flag: 'No', score: '-0.3' } });
  const names = fields.map(([name]) => name);
  assert.equal(names.filter((n) => n === 'Received').length, 2);
  assert.ok(names.includes('From') && names.includes('from'));
  for (const name of ['recipient', 'sender', 'subject', 'body-plain', 'body-html', 'stripped-text', 'timestamp', 'token', 'signature']) {
    assert.ok(names.includes(name), name);
  }
  const headers = JSON.parse(fields.find(([n]) => n === 'message-headers')?.[1] ?? '[]') as Array<[string, string]>;
  assert.equal(headers.filter(([n]) => n === 'Received').length, 2);
  assert.deepEqual(headers.find(([n]) => n === 'X-Mailgun-Sscore'), ['X-Mailgun-Sscore', '-0.3']);
  assert.equal(files.length, 0);
  assert.equal(parsedPayload({ fields, files }).headers['content-type'], 'application/x-www-form-urlencoded');
  assert.ok(!rawModeFields({ fields, files }).some(([n]) => n === 'body-plain'));
});

test('parsedUrlencoded keeps repeated fields and UTF-8 text', () => {
  const { payload } = parsedUrlencoded([['Received', 'a'], ['Received', 'b'], ['subject', 'Grüße & más']]);
  const decoded = decodeFormBytes(payload).map(([n, v]) => [n, v.toString('utf8')]);
  assert.deepEqual(decoded, [['Received', 'a'], ['Received', 'b'], ['subject', 'Grüße & más']]);
});

test('parsedMultipart: attachments byte-exact, raw UTF-8 and RFC 2231 filenames, content-id-map', async () => {
  const binary = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
  const sample = sampleMessage({
    attachments: [
      { filename: 'Rechnung März.pdf', contentType: 'application/pdf', data: binary },
      { filename: 'logo (1)*.png', contentType: 'image/png', data: Buffer.from([0x89, 0x50]), filenameEncoding: 'rfc2231', contentId: 'part1.04060802@example.com' },
    ],
  });
  const payload = parsedPayload(sample);
  assert.match(payload.headers['content-type'], /^multipart\/form-data; boundary=/);
  const form = await parseMultipart(payload);
  assert.deepEqual(form.fields['attachment-count'], ['2']);
  assert.deepEqual(JSON.parse(form.fields['content-id-map']?.[0] ?? '{}'), { '<part1.04060802@example.com>': 'attachment-2' });
  assert.equal(form.fields.Received?.length, 2);
  assert.deepEqual(form.files.map((f) => [f.field, f.filename, f.contentType]), [
    ['attachment-1', 'Rechnung März.pdf', 'application/pdf'],
    ['attachment-2', 'logo (1)*.png', 'image/png'],
  ]);
  assert.ok(form.files[0]?.data.equals(binary));
  assert.equal(parsedMultipart({ a: ['1', '2'] }).payload.toString().split('name="a"').length, 3);
});

test('sampleMime: CRLF by default, LF on request, 8-bit ISO-8859-1 bytes that are not UTF-8, base64 attachment', () => {
  const crlf = sampleMime();
  assert.ok(crlf.toString('latin1').split('\n').slice(0, -1).every((line) => line.endsWith('\r')));
  const lf = sampleMime({ lineEnding: 'lf' });
  assert.ok(!lf.includes('\r'));
  const latin1 = sampleMime({ latin1Body: true });
  assert.ok(latin1.includes(0xe9));
  assert.match(latin1.toString('latin1'), /charset=ISO-8859-1\r\nContent-Transfer-Encoding: 8bit/);
  assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(latin1));
  const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 13) % 256));
  const withAttachment = sampleMime({ attachment: { filename: 'a.bin', contentType: 'application/octet-stream', data } }).toString('latin1');
  assert.match(withAttachment, /Content-Type: multipart\/mixed; boundary="/);
  const base64 = withAttachment.split('Content-Transfer-Encoding: base64\r\n\r\n')[1]?.split('\r\n--')[0] ?? '';
  assert.ok(Buffer.from(base64.replace(/\r\n/g, ''), 'base64').equals(data));
});

test('rawUrlencoded percent-encodes the MIME byte by byte; rawMultipart carries it as a file part', async () => {
  const mime = sampleMime({ latin1Body: true });
  const fields = rawModeFields(sampleMessage({ signingKey: 'k' }));
  const encoded = rawUrlencoded(mime, fields);
  assert.match(encoded.payload.toString('ascii'), /%E9/);
  const decoded = decodeFormBytes(encoded.payload);
  assert.ok(decoded.find(([n]) => n === 'body-mime')?.[1].equals(mime));
  assert.equal(decoded.filter(([n]) => n === 'Received').length, 2);

  const form = await parseMultipart(rawMultipart(mime, fields));
  const part = form.files.find((f) => f.field === 'body-mime');
  assert.ok(part?.data.equals(mime));
  assert.ok(form.fields.signature?.[0]);
});

test('DKIM: signed MIME verifies; a flipped body byte or signed header byte does not', async () => {
  for (const mime of [sampleMime({ latin1Body: true }), sampleMime({ lineEnding: 'lf' })]) {
    const signed = await dkimSignedMime(mime);
    assert.match(signed.mime.toString('latin1'), /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.net;/);
    assert.deepEqual(await verifyDkim(signed.mime, signed.resolver), { result: 'pass', comment: null });
    assert.deepEqual(signed.resolver.calls[0], ['relaytest._domainkey.example.net', 'TXT']);

    const body = Buffer.from(signed.mime);
    body[body.lastIndexOf(0x65)] = 0x61; // the last 'e', in the body
    assert.deepEqual(await verifyDkim(body, signed.resolver), { result: 'neutral', comment: 'body hash did not verify' });

    const header = Buffer.from(signed.mime);
    header[header.indexOf('Subject: Your') + 'Subject: '.length] = 0x79; // 'Y' → 'y'
    assert.deepEqual(await verifyDkim(header, signed.resolver), { result: 'fail', comment: 'bad signature' });
  }
  assert.equal((await verifyDkim(sampleMime(), async () => [])).result, 'none');
});

// mailauth writes t= from Date.now(), rounded, once for the bytes it signs and again for the header it returns: a
// signature made across a half-second boundary (a slow RSA sign on a loaded CI machine) carried another t= than it
// signed, and a CI run's DMARC test failed on a "bad signature" from the fixture itself. The fixture fixes the time
// it signs at; here every reading of the clock is a second later than the one before.
test('DKIM: a signature made while the clock crosses a half second still verifies', async (t) => {
  let now = Date.UTC(2026, 10, 22, 4, 43, 55, 400);
  t.mock.method(Date, 'now', () => (now += 1000));
  const signed = await dkimSignedMime(sampleMime());
  t.mock.restoreAll();
  assert.deepEqual(await verifyDkim(signed.mime, signed.resolver), { result: 'pass', comment: null });
});
