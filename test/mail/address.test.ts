// Who a message says it is from: the author addresses DMARC is decided on. Senders write these fields, so the reading
// must hold for odd but valid forms and stay linear for hostile ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorAddresses } from '../../src/mail/address.js';
import type { HeaderList } from '../../src/mail/headers.js';

const from = (...values: string[]): HeaderList => values.map((v) => ['From', v]);

test('one author however the field writes it; several fields or list items are several authors', () => {
  const one = ['Bob <Bob@Example.NET>', 'bob@example.net', '"bob@example.net, team" <bob@example.net>', 'bob@example.net (Bob, <the> boss)', 'bob@example.net <bob@example.net>'];
  for (const value of one) assert.deepEqual(authorAddresses(from(value)), ['bob@example.net'], value);
  assert.deepEqual(authorAddresses(from('a@example.net, b@example.net')), ['a@example.net', 'b@example.net']);
  assert.deepEqual(authorAddresses(from('team: a@example.net, B <b@example.net>;')), ['a@example.net', 'b@example.net']);
  assert.deepEqual(authorAddresses(from('a@example.net', 'c@example.org')), ['a@example.net', 'c@example.org']);
  assert.deepEqual(authorAddresses(from('undisclosed-recipients:;', 'Nobody')), []);
  assert.deepEqual(authorAddresses([['To', 'x@example.net']]), []);
});

test('a From value of a megabyte without a separator is read in one pass', () => {
  const started = performance.now();
  assert.deepEqual(authorAddresses(from('a'.repeat(1 << 20))), []);
  assert.deepEqual(authorAddresses(from(`${'<'.repeat(1 << 19)}${'"('.repeat(1 << 18)}`)), []);
  // A pattern that rescans from every position would take minutes here.
  assert.ok(performance.now() - started < 2000);
});
