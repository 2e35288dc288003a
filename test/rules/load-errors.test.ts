import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRules } from '../../src/rules/compile.js';
import { RulesLoadError } from '../../src/rules/errors.js';

/** The problems as `line:col: message` strings, or a failure if the text compiled. */
function problems(text: string): string[] {
  try {
    compileRules(text, 'rules.yaml');
  } catch (err) {
    assert.ok(err instanceof RulesLoadError);
    for (const p of err.problems) assert.equal(p.file, 'rules.yaml');
    return err.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
  }
  assert.fail('expected a RulesLoadError');
}

const OK_HEAD = 'domains: [d.example]\nusers:\n  me: "me+{service}@gmail.com"\n';

test('YAML syntax errors carry their position', () => {
  const [first] = problems('domains: [d.example\nrules: []\n');
  assert.match(first ?? '', /^\d+:\d+: .*(flow|Flow|]|end)/);
  assert.deepEqual(problems('domains: [a.com]\ndomains: [b.com]\nrules: []\n').length, 1);
  assert.match(problems('domains: [a.com]\ndomains: [b.com]\nrules: []\n')[0] ?? '', /^2:1: .*unique/i);
});

test('unknown keys are reported at the key, at every level', () => {
  const text = OK_HEAD.replace('  me:', '  bad: {to: "b@x.org", sender: []}\n  me:') + 'rules:\n  - match: me\n    user: me\n    note: hi\nextra: 1\n';
  assert.deepEqual(problems(text), [
    '3:24: unknown key "sender" in users.bad (expected to, any_mailbox, spam, leaks, senders, new_aliases, limits or replies)',
    '8:5: unknown key "note" in rules[0] (expected match, user, to, reject, any_mailbox, spam, leaks, senders or new_aliases)',
    '9:1: unknown key "extra" in the file (expected domains, users, rules, digest, spam, leaks, senders, new_aliases, limits or replies)',
  ]);
});

test('semantic problems are all collected, each at its node', () => {
  const text = [
    'domains: [d.example, D.Example, "not a domain", other.example]', // 1
    'users:', // 2
    '  me: "me+{service}@gmail.com"', // 3
    '  loop: "x@other.example"', // 4
    '  brace: "x+{service@gmail.com"', // 5
    '  unknown: "x+{nope}@gmail.com"', // 6
    '  dyn: ["ok@x.org", "x@{domain}"]', // 7
    '  bad: "x y@gmail.com"', // 8
    'rules:', // 9
    '  - match: "{user}+{service}"', // 10
    '    user: ghost', // 11
    '  - match: "a{b"', // 12
    '    reject: true', // 13
    '  - match: "both"', // 14
    '    user: me', // 15
    '    reject: true', // 16
    '  - match: "none"', // 17
    '  - match: "{x}"', // 18
    '    to: "x+{y}@gmail.com"', // 19
    '  - match: "off"', // 20
    '    reject: false', // 21
  ].join('\n');
  assert.deepEqual(problems(text), [
    '1:22: domain "D.Example" is listed twice',
    '1:33: "not a domain" is not a valid domain name',
    '4:12: target "x@other.example" is on the relay\'s own domain "other.example": that would be a mail loop',
    '5:13: unclosed "{" in target "x+{service@gmail.com"',
    '6:15: unknown placeholder "{nope}" (available here: {service}, {user}, {local}, {domain})',
    '7:24: the domain of target "x@{domain}" must be literal (no placeholders)',
    '8:10: character " " is not allowed in a target (use letters, digits, ".", "_", "+", "-", "=")',
    '11:11: unknown user "ghost" (not defined under users)',
    '12:14: unclosed "{" in match pattern "a{b"',
    '14:5: rule 2 has user and reject: a rule takes exactly one of user, to or reject',
    '17:5: rule 3 needs one of user, to or reject (only a match with {user} may leave them out)',
    '19:12: unknown placeholder "{y}" (available here: {local}, {domain}, {x})',
    '21:13: rules[5].reject must be true (to not reject, remove the key)',
  ]);
});

test('a template that lets the recipient choose the mailbox is an error at its placeholder, unless any_mailbox: true', () => {
  // The open relay: ceo.victim@d.example would be forwarded to ceo.victim@gmail.com.
  const text = [
    'domains: [d.example]', // 1
    'users:', // 2
    '  me: "{service}@gmail.com"', // 3
    '  list: ["ok+{service}@x.org", "me.{service}@x.org"]', // 4
    '  map: {to: "{local}@x.org"}', // 5
    'rules:', // 6
    '  - match: "fwd-{who}"', // 7
    '    to: "{who}@gmail.com"', // 8
    '  - match: "{service}"', // 9
    '    user: me', // 10
  ].join('\n');
  const found = problems(text);
  assert.deepEqual(found.map((p) => p.split(': ')[0]), ['3:8', '4:36', '5:14', '8:10']);
  for (const p of found) assert.match(p, /the recipient would choose the mailbox, and anyone could send through your domain to any mailbox at .*any_mailbox: true/);

  const opted = compileRules(
    [
      'domains: [d.example]',
      'users:',
      '  me: {to: "{service}@gmail.com", any_mailbox: true}',
      'rules:',
      '  - match: "old-{who}"',
      '    to: "{local}@new.example"',
      '    any_mailbox: true',
      '  - match: "{service}"',
      '    user: me',
    ].join('\n'),
    'rules.yaml',
  );
  assert.deepEqual(opted.route('ceo.victim@d.example'), { action: 'forward', to: ['ceo.victim@gmail.com'], rule: 1, user: 'me' });
  assert.deepEqual(opted.route('old-bob@d.example'), { action: 'forward', to: ['old-bob@new.example'], rule: 0, user: null });
});

test('any_mailbox: false opts in to nothing; on a rule without its own to: it is an error', () => {
  assert.deepEqual(problems('domains: [d.example]\nusers:\n  me: {to: "{service}@gmail.com", any_mailbox: false}\nrules: []\n').map((p) => p.split(': ')[0]), ['3:13']);
  assert.deepEqual(problems(OK_HEAD + 'rules:\n  - match: "{service}"\n    user: me\n    any_mailbox: true\n'), [
    "7:5: any_mailbox applies to a rule's own to: (for a user's targets, put it in the user's mapping next to to)",
  ]);
});

test('shape errors name the node and what was expected', () => {
  assert.deepEqual(problems('domains: []\nusers:\n  a: 5\n  b: []\n  c: {to: 5}\nrules: {}\n'), [
    '1:10: domains must not be empty',
    '3:6: users.a must be a target template, a list of them, or a mapping with "to"',
    '4:6: users.b must not be empty',
    '5:11: users.c.to must be a target template or a list of them',
    '6:8: rules must be a list',
  ]);
  assert.deepEqual(problems('users: {}\nrules: [{to: "a@b.org"}]\n'), [
    '1:1: the file: missing required key "domains"',
    '2:9: rules[0]: missing required key "match"',
  ]);
  assert.deepEqual(problems(''), ['1:1: the rules file is empty (expected domains, users and rules)']);
  assert.deepEqual(problems('- a\n'), ['1:1: the file must be a mapping']);
});

test('user names must be matchable', () => {
  assert.deepEqual(problems('domains: [d.example]\nusers:\n  Me: "me@x.org"\n  "a b": "ab@x.org"\nrules: []\n'), [
    '3:3: user name "Me" must be lower-case letters, digits, ".", "_" or "-"',
    '4:3: user name "a b" must be lower-case letters, digits, ".", "_" or "-"',
  ]);
});

test('the error message is the formatted problem lines', () => {
  try {
    compileRules('domains: []\nrules: []\nx: 1\n', 'conf/rules.yaml');
    assert.fail('expected an error');
  } catch (err) {
    assert.ok(err instanceof RulesLoadError);
    assert.equal(err.name, 'RulesLoadError');
    assert.equal(err.message, 'conf/rules.yaml:1:10: domains must not be empty\nconf/rules.yaml:3:1: unknown key "x" in the file (expected domains, users, rules, digest, spam, leaks, senders, new_aliases, limits or replies)');
  }
});

test('a valid file with no users and only literal rules compiles', () => {
  const rules = compileRules('domains: [d.example]\nrules:\n  - match: hi\n    to: me@x.org\n', 'r');
  assert.equal(rules.userCount, 0);
  assert.deepEqual(rules.route('hi@d.example'), { action: 'forward', to: ['me@x.org'], rule: 0, user: null });
});
