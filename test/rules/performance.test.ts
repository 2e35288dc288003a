import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRules } from '../../src/rules/compile.js';

function rulesWith(userCount: number): string {
  const users = Array.from({ length: userCount }, (_, i) => `  user${i}: "u${i}+{service}@mail.example.org"`).join('\n');
  return `domains: [d.example]\nusers:\n${users}\nrules:\n  - match: "{user}+{service}"\n  - match: "{user}.{service}"\n  - match: "{user}"\n  - match: "{service}"\n    user: user0\n`;
}

/** Median nanoseconds per route over a mix of user hits, service fallbacks and misses. */
function timeRoutes(route: (r: string) => unknown, userCount: number): number {
  const recipients = ['user3+shop@d.example', `user${userCount - 1}.news@d.example`, 'github@d.example', 'nobody+x@d.example', 'a.b.c.d.e.f@d.example'];
  const samples: number[] = [];
  for (let round = 0; round < 15; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) for (const r of recipients) route(r);
    samples.push(Number(process.hrtime.bigint() - started) / (2000 * recipients.length));
  }
  return samples.sort((a, b) => a - b)[7] ?? Infinity;
}

test('routing cost does not grow with the number of users', () => {
  const small = compileRules(rulesWith(5), 'small.yaml');
  const large = compileRules(rulesWith(10_000), 'large.yaml');
  assert.equal(large.userCount, 10_000);
  assert.deepEqual(large.route('user9999.news@d.example'), { action: 'forward', to: ['u9999+news@mail.example.org'], rule: 1, user: 'user9999' });
  timeRoutes((r) => small.route(r), 5); // warm up the JIT before measuring either
  const smallNs = timeRoutes((r) => small.route(r), 5);
  const largeNs = timeRoutes((r) => large.route(r), 10_000);
  // A walk over 10,000 users per lookup would be hundreds of times slower; allow generous noise.
  assert.ok(largeNs < smallNs * 3 + 2000, `5 users: ${smallNs.toFixed(0)} ns/route, 10,000 users: ${largeNs.toFixed(0)} ns/route`);
});

test('compiling 10,000 users stays well under a second', () => {
  const started = Date.now();
  compileRules(rulesWith(10_000), 'large.yaml');
  assert.ok(Date.now() - started < 3000);
});
