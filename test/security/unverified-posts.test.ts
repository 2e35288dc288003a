// What an unsigned or wrongly signed post may cost: its bytes and one HMAC. The signature is checked on the form
// as it arrived, before `message-headers` is parsed or the MIME header block read; such posts are logged once at
// warn with their claimed addresses cut short, never as a 'delivery' line (what operators read per address).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { freshSignatureBlock, parsedUrlencoded, rawModeFields, rawUrlencoded, sampleMessage, sampleMime, type SignatureBlock } from '../support/fixtures.js';

const MiB = 1024 * 1024;
type Fields = Array<readonly [string, string]>;

const withBlock = (fields: Fields, block: SignatureBlock): Fields => [...fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
const forged = (): SignatureBlock => ({ ...freshSignatureBlock('not-the-signing-key') });

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

test('a forged post with a broken, oversized message-headers gets 401 without reaching the header step', async (t) => {
  const lines: string[] = [];
  const { app, api, deliveries } = await build(t, { app: { logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } } } });
  const post = (fields: Fields) => {
    const body = parsedUrlencoded(fields);
    return app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
  };
  // Unterminated JSON, and over the 4 MiB cap on message-headers.
  const headers = `[["Received", "${'from x by y; '.repeat((5 * MiB) / 13)}`;
  const fields: Fields = sampleMessage({ recipient: `github-${'a'.repeat(10_000)}@destroy.systems`, sender: `${'b'.repeat(3000)}@spam.example` })
    .fields.map(([name, value]) => [name, name === 'message-headers' ? headers : value] as const);

  const res = await post(withBlock(fields, forged()));
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(res.json().status, 'bad-signature');

  // The same post signed: the header step runs and refuses the field. The forged one never got that far.
  const signed = await post(withBlock(fields, freshSignatureBlock(SIGNING_KEY)));
  assert.equal(signed.statusCode, 406, signed.body);
  assert.match(signed.json().message, /message-headers over its cap/);
  assert.equal(api.sent.length, 0);

  const log = lines.map((line) => JSON.parse(line) as LogLine);
  const refused = log.filter((line) => line.msg === 'unverified post refused');
  assert.equal(refused.length, 1, lines.join(''));
  const [line] = refused as [LogLine];
  assert.equal(line.level, 40, 'warn');
  assert.equal(line.verdict, 'mismatch');
  assert.match(String(line.recipient), /^github-a{57}…$/, 'the claimed recipient, cut to 64 characters');
  assert.ok(String(line.sender).length <= 65);
  assert.ok(!log.some((l) => l.msg === 'delivery'), 'no delivery line: the per-address view holds only verified mail');
  assert.ok(!lines.join('').includes('a'.repeat(100)), 'nothing long reaches the log');
  assert.equal(deliveries[0]?.outcome, 'bad-signature', 'still counted (metrics)');
});

test('a forged raw post with a huge MIME header block and unsigned posts of every kind: 401, one short warn line each', async (t) => {
  const lines: string[] = [];
  const { app, api } = await build(t, { app: { logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } } } });
  const pad = Array.from({ length: 40_000 }, (_, i) => `X-Pad-${i}: ${'p'.repeat(60)}`);
  const mime = sampleMime({ headers: pad, to: 'github@destroy.systems' });
  assert.ok(mime.length > 2 * MiB);
  const fields = rawModeFields(sampleMessage({ recipient: 'github@destroy.systems' }));
  const good = freshSignatureBlock(SIGNING_KEY);
  const cases: Array<[string, Fields]> = [
    ['forged', withBlock(fields, forged())],
    ['missing', fields],
    ['over-long token', withBlock(fields, { ...good, token: 't'.repeat(1000) })],
  ];
  for (const [name, signedFields] of cases) {
    const body = rawUrlencoded(mime, signedFields);
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
    assert.equal(res.statusCode, 401, `${name}: ${res.body}`);
  }
  assert.equal(api.sent.length, 0);
  const log = lines.map((line) => JSON.parse(line) as LogLine);
  assert.deepEqual(log.filter((l) => l.msg === 'unverified post refused').map((l) => l.verdict), ['mismatch', 'missing', 'malformed']);
  assert.ok(!log.some((l) => l.msg === 'delivery'));
  assert.ok(!lines.join('').includes('X-Pad-'), 'the header block is never logged');
});
