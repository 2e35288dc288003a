// A forward under `replies: true` carries exactly one Reply-To, the reply address of (alias, contact), and keeps the
// sender's DKIM wherever its signature does not sign Reply-To. Off (the default), the bytes are today's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replyRelay, signed, REPLY_RULES } from '../helpers/replies.js';
import { verifyDkim } from '../support/fixtures.js';
import { deliveredMime } from '../support/mailgun-api.js';
import { dnsResolver } from '../../src/forward/dns.js';
import { parseExposition } from '../helpers/prometheus.js';

const REJECT = { '_dmarc.shop.example': ['v=DMARC1; p=reject'] };
const replyTos = (mime: Buffer) => mime.toString('latin1').match(/^Reply-To:.*$/gim) ?? [];
const REPLY_ADDRESS = /^Reply-To: (r=[a-z2-7]{26}@alice\.dev)\r?$/im;

test('off: the forward is byte for byte the message as it came, no Reply-To added', async (t) => {
  const message = await signed({ from: 'Shop <support@shop.example>' }, 'shop.example');
  const relay = await replyRelay(t, { rules: REPLY_RULES.replace('replies: true\n', ''), dns: { ...REJECT, ...message.records } });
  assert.equal((await relay.post(message.mime, 'shop@alice.dev')).status, 200);
  assert.ok(relay.api.sent[0]?.mime?.equals(message.mime), 'the bytes changed');
});

test('a signature that does not sign Reply-To: one Reply-To more, the sender DKIM kept and still verifying', async (t) => {
  const message = await signed({ from: 'Shop <support@shop.example>' }, 'shop.example');
  const relay = await replyRelay(t, { dns: { ...REJECT, ...message.records } });
  assert.equal((await relay.post(message.mime, 'shop@alice.dev')).status, 200);
  const sent = relay.api.sent[0]?.mime as Buffer;
  assert.equal(replyTos(sent).length, 1);
  const address = REPLY_ADDRESS.exec(sent.toString('latin1'))?.[1] ?? '';
  assert.ok(address, 'a reply address as Reply-To');
  assert.ok(sent.subarray(sent.length - message.mime.length).equals(message.mime), 'the sender bytes follow the one header added');
  assert.deepEqual(await verifyDkim(deliveredMime(relay.api.sent[0]!), dnsResolver([relay.dns.address])), { result: 'pass', comment: null });
  assert.deepEqual(relay.deliveries[0]?.replyTo, { action: 'add', reason: 'not-signed' });
  const token = address.slice(2, 28);
  assert.deepEqual(await relay.store.replies.find(token), { token, alias: 'shop@alice.dev', contact: 'support@shop.example', user: 'alice', pinned: false });

  // The same sender again: the same reply address.
  const again = await signed({ from: 'Shop <support@shop.example>', messageId: '<second@shop.example>' }, 'shop.example');
  assert.equal((await relay.post(again.mime, 'shop@alice.dev')).status, 200);
  assert.equal(REPLY_ADDRESS.exec(relay.api.sent[1]?.mime?.toString('latin1') ?? '')?.[1], address);
  const metrics = parseExposition((await relay.app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(metrics.value('plus_relay_reply_to_total', { action: 'add', reason: 'not-signed' }), 2);
});

test('a signed Reply-To naming someone else: rewritten as the DMARC path rewrites, the reply address for THAT address', async (t) => {
  const message = await signed({ from: 'GitHub <notifications@shop.example>', headers: ['Reply-To: <reply+abc123@reply.shop.example>'] }, 'shop.example');
  const relay = await replyRelay(t, { dns: { ...REJECT, ...message.records } });
  assert.equal((await relay.post(message.mime, 'github@alice.dev')).status, 200);
  const sent = (relay.api.sent[0]?.mime as Buffer).toString('latin1');
  assert.equal(replyTos(Buffer.from(sent, 'latin1')).length, 1, 'the original Reply-To is replaced, not kept beside');
  assert.match(sent, /^From: "GitHub \(notifications@shop\.example\) via plus-relay" <relay@alice\.dev>\r$/m);
  assert.match(sent, /^X-Original-From: GitHub <notifications@shop\.example>\r$/m);
  const token = REPLY_ADDRESS.exec(sent)?.[1]?.slice(2, 28) ?? '';
  assert.equal((await relay.store.replies.find(token))?.contact, 'reply+abc123@reply.shop.example');
  assert.deepEqual(relay.deliveries[0]?.replyTo, { action: 'rewrite', reason: 'signed' });
});

test('an unsigned original Reply-To is replaced, and the sender signature still verifies', async (t) => {
  const signedPart = await signed({ from: 'Shop <support@shop.example>' }, 'shop.example');
  // Added after signing: the signature does not cover it.
  const mime = Buffer.concat([Buffer.from('Reply-To: list@lists.example\r\n'), signedPart.mime]);
  const relay = await replyRelay(t, { dns: { ...REJECT, ...signedPart.records } });
  assert.equal((await relay.post(mime, 'shop@alice.dev')).status, 200);
  const sent = relay.api.sent[0]?.mime as Buffer;
  assert.equal(replyTos(sent).length, 1);
  assert.equal((await verifyDkim(deliveredMime(relay.api.sent[0]!), dnsResolver([relay.dns.address]))).result, 'pass');
  const token = REPLY_ADDRESS.exec(sent.toString('latin1'))?.[1]?.slice(2, 28) ?? '';
  assert.equal((await relay.store.replies.find(token))?.contact, 'list@lists.example');
});
