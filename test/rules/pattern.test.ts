import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchPattern, parsePattern, type Pattern } from '../../src/rules/pattern.js';

function compile(source: string): Pattern {
  const parsed = parsePattern(source);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}
const users = new Set(['john', 'john.doe', 'partner']);
const match = (source: string, local: string) => matchPattern(compile(source), local, (n) => users.has(n));

test('literal patterns match the whole local part only', () => {
  assert.deepEqual(match('abuse', 'abuse'), { captures: {}, user: null });
  assert.equal(match('abuse', 'abuser'), null);
  assert.equal(match('abuse', 'xabuse'), null);
  assert.deepEqual(match('Abuse', 'abuse'), { captures: {}, user: null });
});

test('captures take a non-empty run of [a-z0-9._-]', () => {
  assert.deepEqual(match('{service}', 'git-hub.x_1'), { captures: { service: 'git-hub.x_1' }, user: null });
  assert.equal(match('{service}', 'a+b'), null);
  assert.equal(match('{service}', 'a%b'), null);
  assert.equal(match('x-{tag}', 'x-'), null);
});

test('{user} matches only existing users, preferring the longest', () => {
  assert.deepEqual(match('{user}.{service}', 'john.doe.shop'), { captures: { service: 'shop' }, user: 'john.doe' });
  assert.deepEqual(match('{user}.{service}', 'john.shop'), { captures: { service: 'shop' }, user: 'john' });
  assert.equal(match('{user}.{service}', 'jane.shop'), null);
  assert.deepEqual(match('{user}', 'partner'), { captures: {}, user: 'partner' });
  assert.equal(match('{user}', 'partners'), null);
});

test('variable tokens are greedy left to right', () => {
  assert.deepEqual(match('{a}.{b}', 'x.y.z')?.captures, { a: 'x.y', b: 'z' });
  assert.deepEqual(match('{a}{b}', 'abc')?.captures, { a: 'ab', b: 'c' });
});

test('a wildcard matches any run, including empty and non-capture characters', () => {
  assert.notEqual(match('bounce-*', 'bounce-'), null);
  assert.notEqual(match('bounce-*', 'bounce-a+b%c'), null);
  assert.equal(match('bounce-*', 'bounce'), null);
  assert.deepEqual(match('*-{tag}', 'a-b-c')?.captures, { tag: 'c' });
});

test('pathological patterns stay fast (memoised backtracking)', () => {
  const pattern = compile('{a}{b}{c}{d}{e}{f}x');
  const started = process.hrtime.bigint();
  assert.equal(matchPattern(pattern, 'a'.repeat(64), () => false), null);
  assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 200);
});

test('bad patterns are refused with a position', () => {
  const cases: [string, number, RegExp][] = [
    ['{svc', 0, /unclosed/],
    ['a}', 1, /unbalanced/],
    ['a{}', 1, /invalid placeholder/],
    ['{Svc}', 0, /invalid placeholder/],
    ['{a}.{a}', 4, /twice/],
    ['{user}.{user}', 7, /twice/],
    ['{local}', 0, /built-in/],
    ['a b', 1, /cannot appear/],
    ['a@b', 1, /cannot appear/],
    ['', 0, /empty/],
  ];
  for (const [source, index, message] of cases) {
    const parsed = parsePattern(source);
    assert.equal(parsed.ok, false, source);
    if (!parsed.ok) {
      assert.equal(parsed.index, index, source);
      assert.match(parsed.message, message, source);
    }
  }
});
