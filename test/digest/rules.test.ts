// rules.yaml `digest:`: off unless set; `at` is HH:MM, `timezone` a zone Intl knows; mistakes come back as file:line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRules } from '../../src/rules/index.js';
import { RulesLoadError } from '../../src/rules/errors.js';

const base = 'domains: [destroy.systems]\nusers:\n  me: "me+{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: me\n';

function problems(digest: string): string[] {
  try {
    compileRules(`${base}digest: ${digest}\n`, 'rules.yaml');
  } catch (err) {
    assert.ok(err instanceof RulesLoadError);
    return err.problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
  }
  return [];
}

test('digest: {at, timezone} compiles; without it the digest is off; each user gets a target with {service} = plus-relay', () => {
  const on = compileRules(`${base}digest: {at: "08:00", timezone: "Europe/Berlin"}\n`, 'rules.yaml');
  assert.deepEqual(on.digest, { at: '08:00', hour: 8, minute: 0, timezone: 'Europe/Berlin' });
  assert.deepEqual([...(on.digestTargets ?? [])], [['me', ['me+plus-relay@gmail.com']]]);
  assert.equal(compileRules(base, 'rules.yaml').digest, undefined);
});

test('a wrong digest: is an error at its line and column, each one', () => {
  assert.deepEqual(problems('{at: "8:00", timezone: "Europe/Berlin"}'), ['rules.yaml:7:14: digest.at must be a time of day as HH:MM, 00:00 to 23:59']);
  assert.deepEqual(problems('{at: "24:00", timezone: UTC}'), ['rules.yaml:7:14: digest.at must be a time of day as HH:MM, 00:00 to 23:59']);
  assert.deepEqual(problems('{at: "08:00", timezone: "Europe/Berln"}'), [
    'rules.yaml:7:33: digest.timezone "Europe/Berln" is not a time zone (an IANA name such as Europe/Berlin or UTC)',
  ]);
  assert.deepEqual(problems('{at: "08:00"}'), ['rules.yaml:7:9: digest: missing required key "timezone"']);
  assert.deepEqual(problems('{at: "08:00", timezone: UTC, every: day}'), ['rules.yaml:7:38: unknown key "every" in digest (expected at or timezone)']);
  assert.deepEqual(problems('"08:00"'), ['rules.yaml:7:9: digest must be a mapping']);
});
