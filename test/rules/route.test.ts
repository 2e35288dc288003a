import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRules } from '../../src/rules/compile.js';

// The example from the contract, verbatim apart from a second user list.
const CONTRACT = `
domains: [destroy.systems]
users:
  owner: "personalemail+{service}@gmail.com"
  partner:
    to: "partner+{service}@fastmail.com"
  john: "john+{service}@example.org"
  john.doe: "jd+{service}@example.net"
rules:
  - match: "abuse"
    reject: true
  - match: "{user}+{service}"
  - match: "{user}.{service}"
  - match: "{user}"
  - match: "{service}"
    user: owner
`;
const rules = compileRules(CONTRACT, 'rules.yaml');

test('the contract example routes as documented', () => {
  assert.deepEqual(rules.route('github@destroy.systems'), { action: 'forward', to: ['personalemail+github@gmail.com'], rule: 4, user: 'owner' });
  assert.deepEqual(rules.route('partner+shop@destroy.systems'), { action: 'forward', to: ['partner+shop@fastmail.com'], rule: 1, user: 'partner' });
  assert.deepEqual(rules.route('partner.shop@destroy.systems'), { action: 'forward', to: ['partner+shop@fastmail.com'], rule: 2, user: 'partner' });
  assert.deepEqual(rules.route('partner@destroy.systems'), { action: 'forward', to: ['partner@fastmail.com'], rule: 3, user: 'partner' });
  assert.deepEqual(rules.route('abuse@destroy.systems'), { action: 'reject', reason: 'reject-rule', rule: 0 });
});

test('addresses and domains match case-insensitively', () => {
  assert.deepEqual(rules.route('GitHub@Destroy.SYSTEMS'), { action: 'forward', to: ['personalemail+github@gmail.com'], rule: 4, user: 'owner' });
  assert.equal(rules.route('ABUSE@destroy.systems').action, 'reject');
});

test('the longest user name wins an ambiguous split', () => {
  assert.deepEqual(rules.route('john.doe.shop@destroy.systems'), {
    action: 'forward', to: ['jd+shop@example.net'], rule: 2, user: 'john.doe',
  });
  assert.deepEqual(rules.route('john.shop@destroy.systems'), { action: 'forward', to: ['john+shop@example.org'], rule: 2, user: 'john' });
});

test('reject reasons: invalid address, foreign domain, no rule', () => {
  assert.deepEqual(rules.route('not an address'), { action: 'reject', reason: 'invalid-address', rule: null });
  assert.deepEqual(rules.route('github@example.com'), { action: 'reject', reason: 'foreign-domain', rule: null });
  assert.deepEqual(rules.route('a%b@destroy.systems'), { action: 'reject', reason: 'no-rule', rule: null });
});

test('summary fields describe the compiled file', () => {
  assert.equal(rules.file, 'rules.yaml');
  assert.deepEqual(rules.domains, ['destroy.systems']);
  assert.equal(rules.userCount, 4);
  assert.equal(rules.ruleCount, 5);
});

const OTHER = `
domains: [d.example, Second.Example]
users:
  family: ["a+{service}@x.org", "b+{user}@y.org", "a+{service}@X.org"]
  me: "me+{local}.{domain}@z.org"
rules:
  - match: "news-{list}"
    to: "me+news.{list}@z.org"
  - match: "{user}-*"
    to: ["fans+{user}@w.org", "copy@w.org"]
  - match: "shop.{service}"
    user: family
  - match: "raw*"
    user: me
  - match: "{service}"
    user: me
`;
const other = compileRules(OTHER, 'other.yaml');

test("a rule's own template uses its captures", () => {
  assert.deepEqual(other.route('news-rust@d.example'), { action: 'forward', to: ['me+news.rust@z.org'], rule: 0, user: null });
  assert.deepEqual(other.route('family-x@second.example'), { action: 'forward', to: ['fans+family@w.org', 'copy@w.org'], rule: 1, user: 'family' });
});

test('list targets all receive the mail, duplicates once; {user} is the forwarding user', () => {
  assert.deepEqual(other.route('shop.ikea@d.example'), { action: 'forward', to: ['a+ikea@x.org', 'b+family@y.org'], rule: 2, user: 'family' });
});

test('{local} is the whole lower-cased local part and {domain} the recipient domain', () => {
  assert.deepEqual(other.route('Raw.Thing@SECOND.example'), { action: 'forward', to: ['me+raw.thing.second.example@z.org'], rule: 3, user: 'me' });
});

test('a rendered target that is not a valid address is rejected as invalid-target', () => {
  // {local} may carry characters a target may not (a source-route '%'), and a long local part overflows 64.
  assert.deepEqual(other.route('raw%evil.com@d.example'), { action: 'reject', reason: 'invalid-target', rule: 3 });
  assert.deepEqual(other.route(`raw${'x'.repeat(50)}@d.example`), { action: 'reject', reason: 'invalid-target', rule: 3 });
});

test('a {user} rule may name another user, which then receives the mail', () => {
  const r = compileRules('domains: [d.example]\nusers: {a: "a@x.org", b: "b+{user}@y.org"}\nrules:\n  - match: "{user}.fwd"\n    user: b\n', 'f');
  assert.deepEqual(r.route('a.fwd@d.example'), { action: 'forward', to: ['b+b@y.org'], rule: 0, user: 'b' });
});

test('the sender is accepted and ignored today', () => {
  assert.deepEqual(rules.route('github@destroy.systems', 'someone@else.com'), rules.route('github@destroy.systems'));
});
