import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddress } from '../../src/rules/address.js';
import { compileRules } from '../../src/rules/compile.js';

// Every rule form, including ones that copy the raw local part ({local}) — in a subaddress, and (opted in with
// any_mailbox) as the mailbox itself — and a catch-all wildcard.
const rules = compileRules(
  `
domains: [d.example]
users:
  owner: "owner+{service}@gmail.com"
  partner: {to: ["p+{service}@fastmail.com", "p.{local}@backup.org"], any_mailbox: true}
rules:
  - match: "abuse"
    reject: true
  - match: "{user}+{service}"
  - match: "{user}.{service}"
  - match: "{user}"
  - match: "x-{tag}"
    to: "tags+{tag}.{local}.{domain}@tags.net"
  - match: "{service}"
    user: owner
  - match: "*"
    to: "catchall+{local}@catch.io"
`,
  'rules.yaml',
);
const TARGET_DOMAINS = new Set(['gmail.com', 'fastmail.com', 'backup.org', 'tags.net', 'catch.io']);

const CRAFTED = [
  'a@evil.com@d.example',
  '"x,y"@d.example',
  '"x@evil.com"@d.example',
  'x\r\nBcc: y@d.example',
  'x@d.example\r\nBcc: y@evil.com',
  'x@d.example\nTo: y@evil.com',
  'Name <x@d.example>',
  '<x@d.example>',
  'x@d.example, y@evil.com',
  'x@d.example,y@evil.com',
  'x@d.example;y@evil.com',
  'x@d.example y@evil.com',
  ' x@d.example',
  'x@d.example ',
  'x@d.example\0',
  '@evil.com:x@d.example',
  'x(comment)@d.example',
  'x@evil.com(d.example)',
  'ünï@d.example',
  'x@d.exämple',
  'x\u202e@d.example',
  'x%40evil.com@d.example'.replace('%40', '@'),
  `${'a'.repeat(65)}@d.example`,
  `${'a'.repeat(10_000)}@d.example`,
  'x@D.EXAMPLE.',
  'x@[1.2.3.4]',
];

test('crafted recipients are rejected as invalid addresses', () => {
  for (const recipient of CRAFTED) {
    assert.deepEqual(rules.route(recipient), { action: 'reject', reason: 'invalid-address', rule: null }, JSON.stringify(recipient));
  }
});

test('source-route tricks in a valid local part never reach a target', () => {
  // % and ! are legal dot-atom characters, so the address parses; captures refuse them, and targets
  // that would carry them via {local} are refused at render time.
  for (const recipient of ['evil.com!x@d.example', 'x%evil.com@d.example', 'owner+a%evil.com@d.example', 'x-a%b@d.example']) {
    const decision = rules.route(recipient);
    assert.deepEqual(decision, { action: 'reject', reason: 'invalid-target', rule: 6 }, recipient);
  }
  // Percent-encoding is not decoded: %40 stays three ordinary characters and is still refused.
  assert.equal(rules.route('x%40evil.com@d.example').action, 'reject');
});

test('foreign domains cannot be reached by case or subdomain tricks', () => {
  for (const recipient of ['x@evil.com', 'x@d.example.evil.com', 'x@sub.d.example', 'x@dexample']) {
    assert.equal(rules.route(recipient).action, 'reject', recipient);
  }
});

// A small deterministic generator, so a failure can be replayed from its seed.
function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}
const ALPHABET = [...'abcxyzOWNERpartner0189.+-_%!#$&\'*/=?^`{|}~@"<>,;: \t\r\n\\()[]', 'é', 'ü', '\u0000', '\u2028'];
const PIECES = ['owner', 'partner', 'abuse', 'x-', '@d.example', '@evil.com', 'd.example', '.', '+', '@'];

test('property: no recipient ever yields a target outside the rule targets’ domains', () => {
  const random = rng(20260101);
  let forwards = 0;
  for (let i = 0; i < 20_000; i++) {
    let s = '';
    const length = Math.floor(random() * 40);
    for (let j = 0; j < length; j++) {
      s += random() < 0.3 ? PIECES[Math.floor(random() * PIECES.length)] : ALPHABET[Math.floor(random() * ALPHABET.length)];
    }
    if (random() < 0.5) s += '@d.example';
    const decision = rules.route(s);
    if (decision.action !== 'forward') continue;
    forwards++;
    assert.ok(decision.to.length >= 1 && decision.to.length <= 2, JSON.stringify(s));
    for (const target of decision.to) {
      const parsed = parseAddress(target);
      assert.ok(parsed, `unparseable target ${JSON.stringify(target)} from ${JSON.stringify(s)}`);
      assert.ok(TARGET_DOMAINS.has(parsed.domain), `target ${target} from ${JSON.stringify(s)}`);
      assert.equal(`${parsed.local}@${parsed.domain}`, target);
      assert.doesNotMatch(parsed.local, /[%!]/);
    }
  }
  // The generator must actually exercise forwarding, or the property says nothing.
  assert.ok(forwards > 300, `only ${forwards} forwards`);
});

test('route never throws, whatever it is given', () => {
  for (const input of [undefined, null, 42, {}, ['x@d.example'], Symbol('x')]) {
    assert.equal(rules.route(input as unknown as string).action, 'reject');
  }
});
