// What a hostile raw message can make the relay do with nothing but an email client and a DNS zone of its own
// (issue 15). Each test posts the attack to a listening relay over HTTP; the DKIM keys and DMARC policies come from
// a loopback DNS server that the relay's real node:dns resolver asks.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { build, SIGNING_KEY, type BuildOptions } from '../helpers/build.js';
import type { TxtRecords } from '../support/dns-server.js';
import { dkimSignedMime, freshSignatureBlock, rawModeFields, rawUrlencoded, sampleMessage, sampleMime } from '../support/fixtures.js';

const ALIAS = 'github@destroy.systems';
const REJECT: TxtRecords = { '_dmarc.example.net': ['v=DMARC1; p=reject'] };
const RELAY_FROM = /^From: "[^"\r\n]* via plus-relay" <relay@destroy\.systems>\r?$/m;

interface Answer {
  status: number;
  body: { status?: string; code?: string; message?: string };
}

async function listening(t: TestContext, options: BuildOptions) {
  const built = await build(t, options);
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
  /** Posts `mime` in raw mode, signed by Mailgun's key, as Mailgun forwards it. */
  const post = async (mime: Buffer): Promise<Answer> => {
    const block = freshSignatureBlock(SIGNING_KEY);
    const fields = [...rawModeFields(sampleMessage({ recipient: ALIAS })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]] as const;
    const body = rawUrlencoded(mime, [...fields].filter(([name]) => name !== 'from'));
    const res = await fetch(`${url}/mailgun/inbound/mime`, { method: 'POST', headers: body.headers, body: body.payload });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  return { ...built, url, post };
}

/** `bytes` of header fields that mean nothing, in lines of 78 characters. */
function filler(bytes: number): string[] {
  return Array.from({ length: Math.ceil(bytes / 80) }, (_, i) => `X-Filler-${String(i).padStart(6, '0')}: ${'f'.repeat(62)}`);
}

test('a header section over 256 KiB is refused 406 (bad-input) and nothing is sent: a From or loop mark past the cut is never missed', async (t) => {
  const { post, api, deliveries } = await listening(t, { dns: REJECT });
  // The From (p=reject) just past the cut: read as a cut, the relay saw no From, or a fragment of one, and no policy.
  const fromPastCut = sampleMime({ from: 'Bob <bob@example.net>', headers: [] });
  const head = Buffer.from(filler(256 * 1024).join('\r\n') + '\r\n');
  const answer = await post(Buffer.concat([head, fromPastCut]));
  assert.equal(answer.status, 406, JSON.stringify(answer.body));
  assert.equal(answer.body.code, 'PLUS_RELAY_HEADER_TOO_LARGE');
  assert.equal(api.sent.length, 0);
  assert.deepEqual(deliveries, []);

  // Just under the cap, the same message is read whole: its From is found and rewritten.
  const under = Buffer.concat([Buffer.from(filler(200 * 1024).join('\r\n') + '\r\n'), fromPastCut]);
  assert.equal((await post(under)).status, 200);
  assert.match(api.sent.at(-1)?.mime?.toString('latin1') ?? '', RELAY_FROM);
});

test('an aligned signature whose selector is no DNS name (a..b, a space, a label over 63 bytes) is a failed signature, not a DNS outage: From rewritten', async (t) => {
  const { post, api, deliveries } = await listening(t, { dns: REJECT });
  for (const selector of ['a..b', 'a b', 'x'.repeat(64)]) {
    const signed = await dkimSignedMime(sampleMime({ from: 'Bob <bob@example.net>', messageId: `<${selector.length}.${selector[1]}@example.net>` }), { domain: 'example.net', selector });
    assert.equal((await post(signed.mime)).status, 200);
    assert.deepEqual(deliveries.at(-1)?.dmarc, { action: 'rewrite', reason: 'no-aligned-dkim', domain: 'example.net', policy: 'reject' }, selector);
    assert.match(api.sent.at(-1)?.mime?.toString('latin1') ?? '', RELAY_FROM, selector);
  }
});
