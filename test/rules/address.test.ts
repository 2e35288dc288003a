import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHostname, parseAddress, parseTarget } from '../../src/rules/address.js';

test('parses one bare address, lower-casing both parts', () => {
  assert.deepEqual(parseAddress('GitHub@Destroy.Systems'), { local: 'github', domain: 'destroy.systems' });
  assert.deepEqual(parseAddress("o'brien+x=y@a-b.example.co"), { local: "o'brien+x=y", domain: 'a-b.example.co' });
});

test('refuses everything that is not exactly one bare local@domain', () => {
  const bad = [
    '', '@d.com', 'a@', 'a', 'a@evil.com@d.com', '"x,y"@d.com', '"x"@d.com', 'x\r\nBcc: y@d.com', 'x@d.com\r\nBcc: y@evil.com',
    'Name <x@d.com>', '<x@d.com>', 'x@d.com, y@evil.com', 'x@d.com,y@evil.com', ' x@d.com', 'x@d.com ', 'x y@d.com',
    'x\t@d.com', 'x\n@d.com', '.x@d.com', 'x.@d.com', 'x..y@d.com', 'x@d..com', 'x@.d.com', 'x@d.com.', 'x@-d.com',
    'x@d-.com', 'x@d_e.com', 'x@localhost', 'x@[127.0.0.1]', 'x@127.0.0.1', 'x(comment)@d.com', 'x@d.com(c)',
    'x;y@d.com', 'x:y@d.com', 'x\\y@d.com', 'x\0@d.com', 'ü@d.com', 'x@bücher.de', 'x@d.com\u2028', 'x\u212a@d.com',
    'a'.repeat(65) + '@d.com', `x@${'a'.repeat(64)}.com`, `x@${'abc.'.repeat(63)}com`,
  ];
  for (const input of bad) assert.equal(parseAddress(input), null, JSON.stringify(input));
});

test('accepts the limits exactly', () => {
  assert.notEqual(parseAddress('a'.repeat(64) + '@d.com'), null);
  assert.notEqual(parseAddress(`x@${'a'.repeat(63)}.com`), null);
  assert.notEqual(parseAddress('x@xn--bcher-kva.de'), null);
});

test('a non-string never parses', () => {
  assert.equal(parseAddress(undefined as unknown as string), null);
  assert.equal(parseAddress(['x@d.com'] as unknown as string), null);
});

test('targets additionally refuse % and ! source routes', () => {
  assert.notEqual(parseAddress('a%b@d.com'), null);
  assert.equal(parseTarget('a%b@d.com'), null);
  assert.equal(parseTarget('evil.com!a@d.com'), null);
  assert.deepEqual(parseTarget('You+X@Gmail.com'), { local: 'you+x', domain: 'gmail.com' });
});

test('host names need two labels and a non-numeric top label', () => {
  assert.equal(isHostname('example.com'), true);
  assert.equal(isHostname('example'), false);
  assert.equal(isHostname('1.2.3.4'), false);
  assert.equal(isHostname('a.b-c.d9'), true);
});
