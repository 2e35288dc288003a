import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRules } from '../../src/rules/compile.js';

// Speed at scale is measured by `npm run bench` (rules at scale), not by a timed unit test.
function rulesWith(userCount: number): string {
  const users = Array.from({ length: userCount }, (_, i) => `  user${i}: "u${i}+{service}@mail.example.org"`).join('\n');
  return `domains: [d.example]\nusers:\n${users}\nrules:\n  - match: "{user}+{service}"\n  - match: "{user}.{service}"\n  - match: "{user}"\n  - match: "{service}"\n    user: user0\n`;
}

test('a rules file with 10,000 users compiles and routes every user, first and last', () => {
  const large = compileRules(rulesWith(10_000), 'large.yaml');
  assert.equal(large.userCount, 10_000);
  assert.deepEqual(large.route('user9999.news@d.example'), { action: 'forward', to: ['u9999+news@mail.example.org'], rule: 1, user: 'user9999' });
  assert.deepEqual(large.route('USER0+Shop@D.example'), { action: 'forward', to: ['u0+shop@mail.example.org'], rule: 0, user: 'user0' });
  assert.deepEqual(large.route('user10000@d.example'), { action: 'forward', to: ['u0+user10000@mail.example.org'], rule: 3, user: 'user0' });
});
