// `replies: true` in rules.yaml: off unless set, at the top level or in a user's mapping form, the user's value winning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules } from '../../src/rules/index.js';
import { RulesLoadError } from '../../src/rules/errors.js';

const rules = (extra: string, partner = 'partner: {to: "partner+{service}@fastmail.com"}') =>
  compileRules(`domains: [alice.dev]\nusers:\n  you: "you+{service}@gmail.com"\n  ${partner}\nrules:\n  - match: "{user}.{service}"\n  - match: "{service}"\n    user: you\n${extra}`, 'rules.yaml');

const replies = (set: ReturnType<typeof rules>, address: string) => {
  const decision = set.route(address);
  assert.equal(decision.action, 'forward');
  return decision.action === 'forward' ? decision.replies : undefined;
};

test('off by default: a decision carries no replies key at all', () => {
  const decision = rules('').route('shop@alice.dev');
  assert.ok(decision.action === 'forward' && !('replies' in decision));
});

test('the top level turns it on for every alias; a user mapping form turns it off for its own', () => {
  const set = rules('replies: true\n', 'partner: {to: "partner+{service}@fastmail.com", replies: false}');
  assert.equal(replies(set, 'shop@alice.dev'), true);
  assert.equal(replies(set, 'partner.shop@alice.dev'), undefined);
});

test('a user turns it on for its own aliases only', () => {
  const set = rules('', 'partner: {to: "partner+{service}@fastmail.com", replies: true}');
  assert.equal(replies(set, 'partner.shop@alice.dev'), true);
  assert.equal(replies(set, 'shop@alice.dev'), undefined);
});

test('anything but a boolean is refused with its position', () => {
  assert.throws(() => rules('replies: yes please\n'), (err: unknown) => err instanceof RulesLoadError && /replies/.test(err.message));
});
