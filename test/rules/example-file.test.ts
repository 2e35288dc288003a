import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { loadRules } from '../../src/rules/load.js';

// The repository's own rules.yaml is the default for trying the relay locally; it must stay valid and sensible.
const EXAMPLE = fileURLToPath(new URL('../../rules.yaml', import.meta.url));

test('the example rules.yaml routes every documented case', async () => {
  const rules = await loadRules(EXAMPLE);
  assert.deepEqual(rules.domains, ['example.com']);
  const cases: [string, string[] | string][] = [
    ['github@example.com', ['you+github@gmail.com']],
    ['GitHub@Example.com', ['you+github@gmail.com']],
    ['partner+shop@example.com', ['partner+shop@fastmail.com']],
    ['partner.shop@example.com', ['partner+shop@fastmail.com']],
    ['partner@example.com', ['partner@fastmail.com']],
    ['family+school@example.com', ['parent+school@fastmail.com', 'kid+school@fastmail.com']],
    ['news-rust@example.com', ['you+news.rust@gmail.com']],
    ['postmaster@example.com', 'reject-rule'],
    ['bounce-42@example.com', 'reject-rule'],
    ['github@other.com', 'foreign-domain'],
    ['a+b+c@example.com', 'no-rule'],
  ];
  for (const [recipient, expected] of cases) {
    const decision = rules.route(recipient);
    if (typeof expected === 'string') assert.equal(decision.action === 'reject' && decision.reason, expected, recipient);
    else assert.deepEqual(decision.action === 'forward' && decision.to, expected, recipient);
  }
  const partner = rules.route('partner+shop@example.com');
  assert.deepEqual(partner.action === 'forward' && partner.policy?.spam, { scoreAbove: null, then: { action: 'redirect', to: ['partner+spam.shop@fastmail.com'] } });
  const github = rules.route('github@example.com');
  assert.deepEqual(github.action === 'forward' && [github.policy?.spam, github.policy?.leaks.learnMs], [null, 7 * 86_400_000]);
});
