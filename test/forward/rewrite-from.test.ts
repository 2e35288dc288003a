import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteFrom } from '../../src/forward/rewrite-from.js';
import { readRawHeader } from '../../src/mail/header-view.js';
import { relayFrom, relayFromHeader } from '../../src/forward/compose.js';

const NEW_FROM = '"Bob (bob@example.net) via plus-relay" <relay@destroy.systems>';
/** rewriteFrom() given the header section as the inbound side reads it. */
function rewrite(raw: Buffer, from: string): Buffer {
  const header = readRawHeader(raw);
  if (!header) throw new RangeError('header section over the limit');
  return rewriteFrom(raw, header, from);
}
const bytes = (...parts: Array<string | Buffer>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));

test('LF line endings stay LF; the new lines use them too', () => {
  const raw = bytes('Received: by mx\nFrom: Bob <bob@example.net>\nSubject: hi\n\nbody\n');
  assert.equal(
    rewrite(raw, NEW_FROM).toString('latin1'),
    `Received: by mx\nFrom: ${NEW_FROM}\nX-Original-From: Bob <bob@example.net>\nReply-To: Bob <bob@example.net>\nSubject: hi\n\nbody\n`,
  );
});

test('a folded From is kept folded, byte for byte; 8-bit bytes elsewhere in the header and in the body survive', () => {
  const subject = Buffer.from([0x53, 0x3a, 0x20, 0xe9, 0xe8, 0x0d, 0x0a]); // "S: éè" in ISO-8859-1, not valid UTF-8
  const body = Buffer.from([0x0d, 0x0a, 0xff, 0xfe, 0x00, 0x41, 0x0d, 0x0a, 0x0d, 0x0a, 0x42]);
  const raw = bytes('From: "A very long display name"\r\n\t<bob@example.net>\r\n', subject, body);
  const out = rewrite(raw, NEW_FROM);
  assert.ok(out.equals(bytes(
    `From: ${NEW_FROM}\r\n`,
    'X-Original-From: "A very long display name"\r\n\t<bob@example.net>\r\n',
    'Reply-To: "A very long display name"\r\n\t<bob@example.net>\r\n',
    subject,
    body,
  )));
});

test("the sender's own Reply-To wins: it is kept, and no second one is added", () => {
  const raw = bytes('From: Bob <bob@example.net>\r\nReply-To: support@example.net\r\n\r\nx');
  assert.equal(rewrite(raw, NEW_FROM).toString('latin1'), `From: ${NEW_FROM}\r\nX-Original-From: Bob <bob@example.net>\r\nReply-To: support@example.net\r\n\r\nx`);
});

test('several From fields all become X-Original-From under one new From; no From at all gets one on top', () => {
  const two = bytes('from: a@example.net\r\nTo: x@destroy.systems\r\nFROM : b@example.org\r\n\r\n');
  assert.equal(
    rewrite(two, NEW_FROM).toString('latin1'),
    `From: ${NEW_FROM}\r\nX-Original-From: a@example.net\r\nReply-To: a@example.net\r\nTo: x@destroy.systems\r\nX-Original-From: b@example.org\r\n\r\n`,
  );
  assert.equal(rewrite(bytes('To: x@destroy.systems\r\n\r\nbody'), NEW_FROM).toString('latin1'), `From: ${NEW_FROM}\r\nTo: x@destroy.systems\r\n\r\nbody`);
});

test('a "From:" line in the body is not a header', () => {
  const raw = bytes('From: a@example.net\n\nFrom: not-a-header@example.net\n');
  assert.equal(rewrite(raw, NEW_FROM).toString('latin1'), `From: ${NEW_FROM}\nX-Original-From: a@example.net\nReply-To: a@example.net\n\nFrom: not-a-header@example.net\n`);
});

test('a message that is only headers, without a final line ending, stays well formed', () => {
  assert.equal(rewrite(bytes('Subject: s\r\nFrom: a@example.net'), NEW_FROM).toString('latin1'), `Subject: s\r\nFrom: ${NEW_FROM}\r\nX-Original-From: a@example.net\r\nReply-To: a@example.net\r\n`);
});

test('misuse: a new From that could inject header lines or 8-bit bytes is refused', () => {
  for (const bad of ['relay@destroy.systems\r\nBcc: x@example.org', 'Café <relay@destroy.systems>', '']) {
    assert.throws(() => rewrite(bytes('From: a@example.net\r\n\r\n'), bad), TypeError, JSON.stringify(bad));
  }
});

test('relayFromHeader: ASCII names as relayFrom writes them; others as RFC 2047 words of at most 75 characters', () => {
  assert.equal(relayFromHeader('Bob <bob@example.net>', 'destroy.systems'), relayFrom('Bob <bob@example.net>', 'destroy.systems'));
  const from = `${'Zoë Ångström '.repeat(8)}<zoe@example.net>`;
  const header = relayFromHeader(from, 'destroy.systems');
  assert.match(header, /^[\x20-\x7e]+$/);
  const words = header.replace(/ <relay@destroy\.systems>$/, '').split(' ');
  assert.ok(words.every((w) => w.length <= 75 && /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/.test(w)), header);
  const decoded = words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).join('');
  assert.equal(`"${decoded}" <relay@destroy.systems>`, relayFrom(from, 'destroy.systems'));
});
