// The owner's reply through a reply address: sent on as the alias, to the contact, with nothing that names the owner;
// anyone else's mail to it — forged, unsigned, wrongly signed, another user's, a stranger's — sends nothing.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { forwardFromShop, gmailReply, gmailSigned, replyRelay, REPLY_RULES, SHOP_ID, type ReplyRelay } from '../helpers/replies.js';
import { dkimSignedMime, freshSignatureBlock, parsedUrlencoded } from '../support/fixtures.js';
import { parseExposition } from '../helpers/prometheus.js';
import { SIGNING_KEY } from '../helpers/build.js';

/** Every text part of a sent message, decoded, with its header section. */
function decoded(mime: Buffer): string {
  const text = mime.toString('latin1');
  const parts = text.split(/\r?\n--[^\r\n]+\r?\n/);
  return parts
    .map((part) => {
      const [head = '', ...rest] = part.split(/\r?\n\r?\n/);
      const body = rest.join('\n\n');
      return /base64/i.test(head) ? `${head}\n${Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')}` : part;
    })
    .join('\n');
}

async function refusedCount(relay: ReplyRelay, reason: string): Promise<number | undefined> {
  return parseExposition((await relay.app.inject({ method: 'GET', url: '/metrics' })).body).value('plus_relay_replies_total', { reason });
}

test("the owner's signed reply leaves as the alias, in the thread, with nothing that names the owner or the reply address", async (t) => {
  const relay = await replyRelay(t);
  const replyAddress = await forwardFromShop(relay);
  const reply = await gmailSigned(replyAddress, relay);
  const res = await relay.post(reply, replyAddress);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(relay.api.sent.length, 2);
  const sent = relay.api.sent[1]!;
  assert.deepEqual(sent.to, ['support@shop.example']);
  assert.equal(sent.fields['h:X-Forwarded-To'], undefined, 'a reply is no forward');
  const out = decoded(sent.mime as Buffer);
  assert.match(out, /^From: shop@alice\.dev\r$/m);
  assert.match(out, /^To: support@shop\.example\r$/m);
  assert.match(out, new RegExp(`^In-Reply-To: ${SHOP_ID}\r$`, 'm'));
  assert.match(out, new RegExp(`^References: ${SHOP_ID}\r$`, 'm'));
  assert.match(out, /^Subject: Re: Your order #1234\r$/m);
  for (const leak of ['alice@gmail.com', 'alice+shop', 'Alice@Gmail', 'gmail', 'google', 'Received', 'ARC-', 'DKIM-Signature', '203.0.113.7', 'X-Envelope-From', replyAddress.slice(0, 12), 'Alice Example']) {
    assert.ok(!out.toLowerCase().includes(leak.toLowerCase()), `the reply names ${leak}:\n${out}`);
  }
  assert.match(out, /Shop <support@shop\.example> wrote:/, 'the quoted reply address shows the contact');
  assert.match(out, /ships to shop@alice\.dev\./, "the quoted owner's mailbox shows the alias");
  assert.match(out, /mailto:support@shop\.example/);
  assert.deepEqual(relay.deliveries[1]?.reply, 'sent');
  assert.equal(await refusedCount(relay, 'sent'), 1);
  const token = replyAddress.slice(2, 28);
  assert.equal((await relay.store.replies.find(token))?.pinned, true, 'replied through: pinned');
});

test('exactly once: a retried post, the same reply under a new signature, and two copies at once send it once', async (t) => {
  const relay = await replyRelay(t);
  const replyAddress = await forwardFromShop(relay);
  const reply = await gmailSigned(replyAddress, relay);
  const token = freshSignatureBlock(SIGNING_KEY).token;
  const answers = await Promise.all([relay.post(reply, replyAddress, token), relay.post(reply, replyAddress), relay.post(reply, replyAddress)]);
  answers.push(await relay.post(reply, replyAddress, token));
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200]);
  assert.equal(relay.api.sent.length, 2, 'the forward and one reply');
});

async function refused(t: TestContext, name: string, make: (relay: ReplyRelay, replyAddress: string) => Promise<Buffer>, reason: string, recipient?: string) {
  const relay = await replyRelay(t);
  const replyAddress = await forwardFromShop(relay);
  const res = await relay.post(await make(relay, replyAddress), recipient ?? replyAddress);
  assert.equal(res.status, 406, `${name}: ${JSON.stringify(res.body)}`);
  assert.equal(relay.api.sent.length, 1, `${name}: nothing sent`);
  assert.equal(relay.deliveries[1]?.reply, reason, name);
  assert.equal(await refusedCount(relay, reason), 1, name);
  return res.body.message;
}

test('a forged From without a signature sends nothing', async (t) => {
  await refused(t, 'forged', async (_relay, address) => gmailReply(address), 'unsigned');
});

test("a signature of another domain than the mailbox's sends nothing", async (t) => {
  await refused(t, 'unaligned', (relay, address) => gmailSigned(address, relay, undefined, 'evil.example'), 'unsigned');
});

test('a signature that does not verify (the body changed after signing) sends nothing', async (t) => {
  await refused(t, 'tampered', async (relay, address) => {
    const mime = await gmailSigned(address, relay);
    return Buffer.from(mime.toString('latin1').replace('Thanks, that works.', 'Send the money..'), 'latin1');
  }, 'unsigned');
});

test("another user's mailbox, signed by its own provider, sends nothing", async (t) => {
  await refused(t, 'other user', (relay, address) => gmailSigned(address, relay, 'Bob <bob+shop@fastmail.com>', 'fastmail.com'), 'not-owner');
});

test("a stranger's signed mail to a reply address sends nothing", async (t) => {
  await refused(t, 'stranger', (relay, address) => gmailSigned(address, relay, 'Mallory <mallory@evil.example>', 'evil.example'), 'not-owner');
});

test('an unknown reply address is refused, though a catch-all rule would forward its local part', async (t) => {
  await refused(t, 'unknown', (relay, address) => gmailSigned(address, relay), 'unknown-reply-address', `r=${'a'.repeat(26)}@alice.dev`);
});

test('parsed mode: refused with a message that names the raw-mode route', async (t) => {
  const relay = await replyRelay(t);
  const replyAddress = await forwardFromShop(relay);
  const block = freshSignatureBlock(SIGNING_KEY);
  const body = parsedUrlencoded([
    ['recipient', replyAddress], ['sender', 'alice@gmail.com'], ['from', 'Alice <alice@gmail.com>'], ['subject', 'Re: hi'], ['body-plain', 'hi'],
    ['message-headers', JSON.stringify([['From', 'Alice <alice@gmail.com>']])],
    ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature],
  ]);
  const res = await fetch(`${relay.url}/mailgun/inbound`, { method: 'POST', body: body.payload, headers: body.headers });
  assert.equal(res.status, 406);
  assert.match(((await res.json()) as { message: string }).message, /\/mailgun\/inbound\/mime/);
  assert.equal(relay.api.sent.length, 1);
});

test("the owner's replies count against the flood guard like forwards: past the limit, held with a 503 and nothing sent", async (t) => {
  const relay = await replyRelay(t, { rules: `${REPLY_RULES}limits:\n  per_target: {per_minute: 1}\n` });
  const replyAddress = await forwardFromShop(relay);
  const first = await gmailSigned(replyAddress, relay);
  assert.equal((await relay.post(first, replyAddress)).status, 200);
  const second = await dkimSignedMime(Buffer.from(gmailReply(replyAddress).toString('latin1').replace('Thanks, that works.', 'One more thing.'), 'latin1'), { domain: 'gmail.com', selector: 'g20230601' });
  const res = await relay.post(second.mime, replyAddress);
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.equal(relay.deliveries.at(-1)?.flood?.mailbox, 'support@shop.example');
  assert.equal(relay.api.sent.length, 2, 'the forward and the first reply');
});
