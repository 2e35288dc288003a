import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRules } from '../../src/rules/index.js';

const rules = compileRules(
  `
domains: [destroy.systems]
users:
  owner: "personal.email+{service}@gmail.com"
  family:
    - "parent+{service}@fastmail.com"
    - "kid@fastmail.com"
rules:
  - match: "news-{list}"
    to: "news+{list}-{local}@lists.example"
  - match: "{user}+{service}"
  - match: "{service}"
    user: owner
`,
  'rules.yaml',
);

test('isTarget: every address the rules render, and nothing else', () => {
  const targets = ['personal.email+github@gmail.com', 'Personal.Email+GitHub@GMAIL.com', 'personal.email@gmail.com', 'parent+school@fastmail.com', 'parent@fastmail.com', 'kid@fastmail.com', 'news+rust-news-rust@lists.example', 'news-x@lists.example'];
  for (const address of targets) assert.equal(rules.isTarget(address), true, address);
  const others = ['personalxemail+github@gmail.com', 'personal.emailgithub@gmail.com', 'personal.email+github@gmail.com.evil.example', 'kid+x@fastmail.com', 'someone@gmail.com', 'parent+school@destroy.systems', 'personal.email+@gmail.com'];
  for (const address of others) assert.equal(rules.isTarget(address), false, address);
  // What routing renders is always a target.
  for (const alias of ['github@destroy.systems', 'family+school@destroy.systems', 'news-rust@destroy.systems']) {
    const decision = rules.route(alias);
    assert.equal(decision.action, 'forward');
    if (decision.action === 'forward') for (const to of decision.to) assert.equal(rules.isTarget(to), true, `${alias} → ${to}`);
  }
});
