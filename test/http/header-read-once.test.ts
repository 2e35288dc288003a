// The header section of each message is read once, where it enters, and every step after (loop guard, policy facts,
// message key, DMARC check, From rewrite) reads that one view. Counted on the channel each read is announced on, while
// messages of every path go through a listening relay.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { freshSignatureBlock, parsedUrlencoded, rawModeFields, rawUrlencoded, sampleMessage, sampleMime } from '../support/fixtures.js';

const ALIAS = 'github@destroy.systems';

/** Every header section the relay reads from here on: the bytes (raw mode) or the fields (parsed mode). */
function countReads(t: TestContext): unknown[] {
  const reads: unknown[] = [];
  const listener = (read: unknown): void => void reads.push(read);
  subscribe('plus-relay.header.read', listener);
  t.after(() => unsubscribe('plus-relay.header.read', listener));
  return reads;
}

async function listening(t: TestContext) {
  const built = await build(t, { dns: { '_dmarc.example.net': ['v=DMARC1; p=reject'] } });
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
  const signed = (): Array<[string, string]> => {
    const b = freshSignatureBlock(SIGNING_KEY);
    return [['timestamp', b.timestamp], ['token', b.token], ['signature', b.signature]];
  };
  const send = async (path: string, body: { payload: Buffer; headers: Record<string, string> }) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: body.headers, body: body.payload });
    return { status: res.status, body: (await res.json()) as { status?: string; message?: string } };
  };
  return {
    ...built,
    raw: (mime: Buffer) => send('/mailgun/inbound/mime', rawUrlencoded(mime, [...rawModeFields(sampleMessage({ recipient: ALIAS })), ...signed()])),
    parsed: () => send('/mailgun/inbound', parsedUrlencoded([...sampleMessage({ recipient: ALIAS, spam: { flag: 'No', score: '0.1' } }).fields, ...signed()])),
  };
}

test('raw mode, From a p=reject domain: one read drives the loop guard, the policy, the key, the DMARC check and the rewrite', async (t) => {
  const { raw, api, deliveries } = await listening(t);
  const reads = countReads(t);
  const mime = sampleMime({ from: 'Bob <bob@example.net>', to: ALIAS, messageId: '<once@example.net>' });

  assert.equal((await raw(mime)).status, 200);
  assert.deepEqual(deliveries.at(-1)?.dmarc, { action: 'rewrite', reason: 'no-aligned-dkim', domain: 'example.net', policy: 'reject' });
  assert.match(api.sent.at(-1)?.mime?.toString('latin1') ?? '', /^From: "[^"\r\n]* via plus-relay" <relay@destroy\.systems>\r$/m);
  assert.equal(reads.length, 1);
  assert.ok(Buffer.isBuffer(reads[0]) && mime.equals(reads[0]), 'the message as it came is what was read');

  // The same message again under a new token: found already forwarded by its key, read once more (one post, one read).
  assert.equal((await raw(mime)).body.status, 'duplicate');
  assert.equal(api.sent.length, 1);
  assert.equal(reads.length, 2);
});

test('parsed mode, a looping message and a refused address: one read each; a section over 256 KiB is never read', async (t) => {
  const { raw, parsed, api } = await listening(t);
  const reads = countReads(t);

  assert.equal((await parsed()).status, 200);
  assert.equal(reads.length, 1);
  assert.ok(Array.isArray(reads[0]), 'parsed mode reads message-headers');

  const looping = await raw(sampleMime({ to: ALIAS, headers: ['X-Plus-Relay: destroy.systems'], messageId: '<loop@example.net>' }));
  assert.equal(looping.status, 406);
  assert.match(looping.body.message ?? '', /mail loop/);
  assert.equal(reads.length, 2);

  const filler = Array.from({ length: 3400 }, (_, i) => `X-Filler-${i}: ${'f'.repeat(70)}`);
  const tooLarge = await raw(sampleMime({ to: ALIAS, headers: filler }));
  assert.equal(tooLarge.status, 406);
  assert.equal(reads.length, 2, 'refused by the bounded scan before any field was read');
  assert.equal(api.sent.length, 1);
});
