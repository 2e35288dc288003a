// Which way a forward carries its reply address: pure, from the header section and the DMARC verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replyToDecision, replyContact, setReplyTo } from '../../src/forward/reply-to.js';
import { readRawHeader, type HeaderView } from '../../src/mail/header-view.js';

const view = (raw: Buffer): HeaderView => {
  const header = readRawHeader(raw);
  if (!header) throw new Error('no header section');
  return header;
};

const message = (headers: string[]) => Buffer.from(`${headers.join('\r\n')}\r\n\r\nbody\r\n`);
const decide = (headers: string[], dmarc?: Parameters<typeof replyToDecision>[2]) => {
  const raw = message(headers);
  return replyToDecision(raw, view(raw), dmarc);
};
const sig = (d: string, h: string) => `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${d}; s=s1;\r\n h=${h}; bh=x; b=y`;

test('over-signed Reply-To (in h=, absent from the message) is signed: adding one would break it', () => {
  assert.deepEqual(decide([sig('shop.example', 'from:subject:reply-to'), 'From: a@shop.example']), { action: 'rewrite', reason: 'signed' });
});

test('a signature of another domain signing Reply-To does not matter: it carries no DMARC', () => {
  assert.deepEqual(decide([sig('esp.example', 'from:reply-to'), sig('mail.shop.example', 'from:subject'), 'From: a@shop.example']), { action: 'add', reason: 'not-signed' });
});

test('no signature at all: added; From rewritten for DMARC anyway: rewritten', () => {
  assert.deepEqual(decide(['From: a@shop.example']), { action: 'add', reason: 'no-aligned-dkim' });
  assert.deepEqual(decide(['From: a@shop.example'], { action: 'rewrite', reason: 'no-aligned-dkim', domain: 'shop.example', policy: 'reject' }), { action: 'rewrite', reason: 'dmarc-rewrite' });
});

test('the contact: the original Reply-To when there is one, else the single author', () => {
  assert.equal(replyContact(view(message(['From: Shop <A@Shop.example>']))), 'a@shop.example');
  assert.equal(replyContact(view(message(['From: a@shop.example', 'Reply-To: "List" <list@lists.example>, other@x.example']))), 'list@lists.example');
  assert.equal(replyContact(view(message(['From: a@x.example, b@y.example']))), null);
});

test('setReplyTo: every Reply-To removed (folded ones too), one first, the rest byte for byte', () => {
  const raw = message(['Reply-To: one@x.example,\r\n two@x.example', 'From: a@shop.example', 'reply-to: three@x.example', 'Subject: hi']);
  assert.equal(setReplyTo(raw, view(raw), 'r=abc@alice.dev').toString(), 'Reply-To: r=abc@alice.dev\r\nFrom: a@shop.example\r\nSubject: hi\r\n\r\nbody\r\n');
  assert.throws(() => setReplyTo(raw, view(raw), 'x@y\r\nBcc: z@w'), TypeError);
});
