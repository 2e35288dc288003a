// The four policy keys in rules.yaml: validated with file:line:col at every level, and resolved per recipient
// with the innermost level winning, key by key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules, RulesLoadError } from '../../src/rules/index.js';
import { DEFAULT_POLICY } from '../../src/rules/resolved-policy.js';

function problems(text: string): string[] {
  try {
    compileRules(text, 'rules.yaml');
  } catch (err) {
    if (err instanceof RulesLoadError) return err.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    throw err;
  }
  assert.fail('expected a RulesLoadError');
}

const POLICIES = `domains: [d.example]
spam:
  score_above: 5
  then: reject
leaks:
  learn: 7d
  then: {to: "me+leaked.{service}@gmail.com"}
senders:
  block: [spam.example, bad@other.example]
users:
  me: "me+{service}@gmail.com"
  bank:
    to: "me+bank.{service}@gmail.com"
    senders:
      allow: [bank.example]
    new_aliases: reject
rules:
  - match: "news-{list}"
    user: me
    spam: {then: forward}
    leaks: {learn: 0s, then: reject}
  - match: "bank-{service}"
    user: bank
    new_aliases: accept
  - match: "{service}"
    user: me
`;

test('each key comes from the innermost level that sets it: rule over user over top level', () => {
  const rules = compileRules(POLICIES, 'rules.yaml');
  const github = rules.route('github@d.example');
  assert.equal(github.action, 'forward');
  assert.deepEqual(github.action === 'forward' && github.policy, {
    spam: { scoreAbove: 5, then: { action: 'reject' } },
    leaks: { learnMs: 7 * 86_400_000, then: { action: 'redirect', to: ['me+leaked.github@gmail.com'] } },
    senders: { allow: null, block: [{ kind: 'domain', domain: 'spam.example' }, { kind: 'address', address: 'bad@other.example' }] },
    newAliases: 'accept',
  });
  const news = rules.route('news-rust@d.example');
  assert.deepEqual(news.action === 'forward' && news.policy, {
    spam: { scoreAbove: null, then: { action: 'forward' } },
    leaks: { learnMs: 0, then: { action: 'reject' } },
    senders: { allow: null, block: [{ kind: 'domain', domain: 'spam.example' }, { kind: 'address', address: 'bad@other.example' }] },
    newAliases: 'accept',
  });
  const bank = rules.route('bank-loans@d.example');
  assert.deepEqual(bank.action === 'forward' && [bank.policy?.senders, bank.policy?.newAliases], [
    { allow: [{ kind: 'domain', domain: 'bank.example' }], block: [] },
    'accept',
  ], "the user's senders replace the top level's whole; the rule's new_aliases beats the user's");
});

test('without any policy key, decisions carry no policy (the default applies)', () => {
  const rules = compileRules('domains: [d.example]\nusers:\n  me: "me+{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: me\n', 'rules.yaml');
  assert.deepEqual(rules.route('x@d.example'), { action: 'forward', to: ['me+x@gmail.com'], rule: 0, user: 'me' });
  assert.deepEqual(DEFAULT_POLICY.leaks.then, { action: 'forward' });
});

test('a {to} policy target renders like any target: crafted recipients cannot change where it goes', () => {
  const rules = compileRules('domains: [d.example]\nleaks: {then: {to: "me+leak.{local}@gmail.com"}}\nrules:\n  - match: "*"\n    to: "me+{local}@gmail.com"\n', 'rules.yaml');
  const long = rules.route(`${'x'.repeat(62)}@d.example`);
  assert.equal(long.action, 'reject', 'the route target itself is too long');
  const shorter = rules.route(`${'x'.repeat(57)}@d.example`);
  assert.deepEqual(shorter.action === 'forward' && shorter.policy?.leaks.then, { action: 'redirect', to: null }, 'the policy target would be too long: null, refused when used');
  const plain = rules.route('shop@d.example');
  assert.deepEqual(plain.action === 'forward' && plain.policy?.leaks.then, { action: 'redirect', to: ['me+leak.shop@gmail.com'] });
});

test('check reports every bad policy value at its own file:line:col', () => {
  const text = `domains: [d.example]
spam:
  score_above: high
  then: drop
leaks:
  learn: a week
  then: {to: "me+{nope}@gmail.com"}
senders:
  allow: []
  block: [spam.example, "not an address", "x@d.example"]
new_aliases: maybe
users:
  me:
    to: "me@gmail.com"
    leaks: {then: {to: "me+leak@d.example"}}
    spam: {score_above: 3}
rules:
  - match: "{service}"
    user: me
    senders: {block: ["@nowhere"]}
    leaks: {learn: 7y, then: {to: "me+{list}@gmail.com", cc: x}}
`;
  assert.deepEqual(problems(text), [
    '3:16: spam.score_above must be a number',
    '4:9: spam.then must be forward, reject or {to: "<template>"}',
    '6:10: "a week" is not a duration (a whole number and s, m, h, d or w: 0s, 12h, 7d)',
    '7:18: unknown placeholder "{nope}" (available here: {service}, {user}, {local}, {domain})',
    '9:10: senders.allow must not be empty',
    '10:25: "not an address" is neither a domain (it matches its subdomains too) nor one full address',
    '11:14: new_aliases must be accept or reject',
    '15:33: target "me+leak@d.example" is on the relay\'s own domain "d.example": that would be a mail loop',
    '16:11: users.me.spam: missing required key "then"',
    '20:23: "@nowhere" is neither a domain (it matches its subdomains too) nor one full address',
    '21:20: "7y" is not a duration (a whole number and s, m, h, d or w: 0s, 12h, 7d)',
    '21:39: unknown placeholder "{list}" (available here: {service}, {user}, {local}, {domain})',
    '21:58: unknown key "cc" in rules[0].leaks.then (expected to)',
  ]);
});

test('durations: 0s, minutes, hours, days and weeks; rule templates may use their captures', () => {
  const rules = compileRules(
    'domains: [d.example]\nusers:\n  me: "me@gmail.com"\nrules:\n  - match: "list-{list}"\n    user: me\n    leaks: {learn: 90m, then: {to: "me+{list}.leak@gmail.com"}}\n  - match: "{service}"\n    user: me\n    leaks: {learn: 2w}\n',
    'rules.yaml',
  );
  const list = rules.route('list-rust@d.example');
  assert.deepEqual(list.action === 'forward' && list.policy?.leaks, { learnMs: 90 * 60_000, then: { action: 'redirect', to: ['me+rust.leak@gmail.com'] } });
  const other = rules.route('shop@d.example');
  assert.deepEqual(other.action === 'forward' && other.policy?.leaks, { learnMs: 14 * 86_400_000, then: { action: 'forward' } });
});
