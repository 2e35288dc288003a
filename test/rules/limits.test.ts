// rules.yaml's `limits:` (the flood guard): where it may stand, how it resolves, and its errors with file:line:col.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRules } from '../../src/rules/compile.js';
import { RulesLoadError } from '../../src/rules/errors.js';

const file = (top: string, user = '') => `domains: [d.example]
${top}
users:
  me:
    to: "me+{service}@gmail.com"
${user}
  you: "you+{service}@fastmail.com"
rules:
  - match: "{user}+{service}"
  - match: "news-{list}"
    to: "me+news.{list}@gmail.com"
  - match: "{service}"
    user: me
`;

function problems(text: string): string[] {
  try {
    compileRules(text, 'rules.yaml');
  } catch (err) {
    assert.ok(err instanceof RulesLoadError);
    return err.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
  }
  assert.fail('expected a RulesLoadError');
}

test('limits resolve field by field, a user over the top level, with the defaults 30 / 1800 / 50', () => {
  const plain = compileRules(file(''), 'rules.yaml');
  assert.equal('limits' in plain.route('github@d.example'), false, 'no limits: key, no limits on the decision (the defaults apply)');
  const rules = compileRules(file('limits: {per_target: {per_hour: 600}}', '    limits: {per_target: {per_minute: 10}, new_aliases_per_hour: 5}'), 'rules.yaml');
  const limitsOf = (address: string) => {
    const decision = rules.route(address);
    return decision.action === 'forward' ? decision.limits : undefined;
  };
  assert.deepEqual(limitsOf('github@d.example'), { perMinute: 10, perHour: 600, newAliasesPerHour: 5 }, "me's own over the top level's");
  assert.deepEqual(limitsOf('you+shop@d.example'), { perMinute: 30, perHour: 600, newAliasesPerHour: 50 }, 'a user without limits: the top level, then the defaults');
  assert.deepEqual(limitsOf('news-weekly@d.example'), { perMinute: 30, perHour: 600, newAliasesPerHour: 50 }, "a rule's own to: the top level's");
});

test('bad values are errors at their node: not whole numbers from 1, per_minute above per_hour, unknown keys, limits on a rule', () => {
  const text = file(
    'limits:\n  per_target: {per_minute: 0, per_hour: 2.5, per_day: 3}\n  new_aliases_per_hour: many',
    '    limits: {per_target: {per_minute: 100, per_hour: 60}}',
  ).replace('    user: me\n', '    user: me\n    limits: {new_aliases_per_hour: 5}\n');
  assert.deepEqual(problems(text), [
    'rules.yaml:3:28: limits.per_target.per_minute must be at least 1',
    'rules.yaml:3:41: limits.per_target.per_hour must be a whole number',
    'rules.yaml:3:46: unknown key "per_day" in limits.per_target (expected per_minute or per_hour)',
    'rules.yaml:4:25: limits.new_aliases_per_hour must be a whole number',
    'rules.yaml:8:39: per_minute (100) is more than per_hour (60): an hour holds sixty minutes',
    'rules.yaml:16:5: unknown key "limits" in rules[2] (expected match, user, to, reject, any_mailbox, spam, leaks, senders or new_aliases)',
  ]);
  assert.deepEqual(problems(file('limits: {per_target: {per_minute: 2000000}}')), ['rules.yaml:2:35: limits.per_target.per_minute must be at most 1000000']);
  assert.deepEqual(problems(file('limits: 30')), ['rules.yaml:2:9: limits must be a mapping']);
});
