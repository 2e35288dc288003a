import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { check } from '../../src/cli/check.js';
import type { CliIO } from '../../src/cli/io.js';
import { route } from '../../src/cli/route.js';
import { tempDir } from '../helpers/temp-dir.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A CliIO that records what a command printed. */
function fakeIO(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), env, cwd };
  return { io, out, err };
}

async function tempRules(t: { after(fn: () => Promise<void>): void }, name: string, text: string): Promise<string> {
  const dir = await tempDir(t, 'cli');
  await writeFile(join(dir, name), text);
  return dir;
}

const SMALL = 'domains: [d.example]\nusers:\n  me: "me+{service}@gmail.com"\nrules:\n  - match: abuse\n    reject: true\n  - match: "{service}"\n    user: me\n';

test('route prints a human line using ./rules.yaml in the working directory', async () => {
  const { io, out, err } = fakeIO(REPO);
  assert.equal(await route(['github@example.com'], io), 0);
  assert.deepEqual(out, ['github@example.com → you+github@gmail.com (rule 6: "{service}", user you)']);
  assert.deepEqual(err, []);
});

test('route --json prints exactly the decision object', async (t) => {
  const dir = await tempRules(t, 'r.yaml', SMALL);
  const { io, out } = fakeIO(dir);
  assert.equal(await route(['--json', 'GitHub@D.example', '--rules', 'r.yaml', '--from', 'a@b.com'], io), 0);
  assert.deepEqual(JSON.parse(out[0] ?? ''), { action: 'forward', to: ['me+github@gmail.com'], rule: 1 });
  out.length = 0;
  assert.equal(await route(['abuse@d.example', '--rules', 'r.yaml', '--json'], io), 0);
  assert.equal(out[0], '{"action":"reject","to":[],"rule":0,"reason":"reject-rule"}');
  out.length = 0;
  assert.equal(await route(['x@elsewhere.com', '--rules', 'r.yaml', '--json'], io), 0);
  assert.equal(out[0], '{"action":"reject","to":[],"rule":null,"reason":"foreign-domain"}');
});

test('route shows rejects with their reason and rule', async (t) => {
  const dir = await tempRules(t, 'rules.yaml', SMALL);
  const { io, out } = fakeIO(dir);
  assert.equal(await route(['abuse@d.example'], io), 0);
  assert.equal(await route(['a+b@d.example'], io), 0);
  assert.equal(await route(['Name <x@d.example>'], io), 0);
  assert.deepEqual(out, ['reject (reject-rule, rule 0: "abuse")', 'reject (no-rule)', 'reject (invalid-address)']);
});

test('RULES_FILE names the rules file when --rules is absent', async (t) => {
  const dir = await tempRules(t, 'custom.yaml', SMALL);
  const { io, out } = fakeIO(dir, { RULES_FILE: 'custom.yaml' });
  assert.equal(await route(['shop@d.example'], io), 0);
  assert.deepEqual(out, ['shop@d.example → me+shop@gmail.com (rule 1: "{service}", user me)']);
});

test('usage errors exit 2', async () => {
  for (const args of [[], ['a@d.example', 'b@d.example'], ['a@d.example', '--bogus'], ['a@d.example', '--rules']]) {
    const { io, out, err } = fakeIO(REPO);
    assert.equal(await route(args, io), 2, JSON.stringify(args));
    assert.deepEqual(out, []);
    assert.match(err.join('\n'), /usage: plus-relay route/);
  }
  const { io, err } = fakeIO(REPO);
  assert.equal(await check(['extra'], io), 2);
  assert.match(err.join('\n'), /usage: plus-relay check/);
});

test('check summarises a valid file', async (t) => {
  const { io, out, err } = fakeIO(REPO);
  assert.equal(await check([], io), 0);
  assert.deepEqual(out, ['rules.yaml: ok — 1 domain, 4 users, 7 rules']);
  assert.deepEqual(err, []);
  const dir = await tempRules(t, 'two.yaml', SMALL.replace('[d.example]', '[d.example, e.example]'));
  const second = fakeIO(dir);
  assert.equal(await check(['--rules', 'two.yaml'], second.io), 0);
  assert.deepEqual(second.out, ['two.yaml: ok — 2 domains, 1 user, 2 rules']);
});

test('check and route print every problem as file:line:col and exit 1', async (t) => {
  const dir = await tempRules(t, 'bad.yaml', 'domains: [d.example]\nusers:\n  me: "me@d.example"\nrules:\n  - match: x\n    user: ghost\n');
  const expected = [
    'bad.yaml:3:11: target "me@d.example" is on the relay\'s own domain "d.example": that would be a mail loop',
    'bad.yaml:6:11: unknown user "ghost" (not defined under users)',
  ];
  const a = fakeIO(dir);
  assert.equal(await check(['--rules', 'bad.yaml'], a.io), 1);
  assert.deepEqual(a.err, expected);
  assert.deepEqual(a.out, []);
  const b = fakeIO(dir);
  assert.equal(await route(['x@d.example', '--rules', './bad.yaml'], b.io), 1);
  assert.deepEqual(b.err, expected);
});

test('check refuses a template that would make the relay open (any Gmail mailbox via your domain); any_mailbox: true opts in', async (t) => {
  const open = 'domains: [d.example]\nusers:\n  me: "{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: me\n';
  const dir = await tempRules(t, 'rules.yaml', open);
  const refused = fakeIO(dir);
  assert.equal(await check([], refused.io), 1);
  assert.equal(refused.err.length, 1);
  assert.match(refused.err[0] ?? '', /^rules\.yaml:3:8: target "\{service\}@gmail\.com" does not start with your mailbox: the recipient would choose the mailbox, and anyone could send through your domain to any mailbox at gmail\.com\. .*any_mailbox: true/);
  assert.deepEqual(refused.out, []);
  // What the open template would have done, had check let it through:
  await writeFile(join(dir, 'rules.yaml'), open.replace('"{service}@gmail.com"', '{to: "{service}@gmail.com", any_mailbox: true}'));
  const opted = fakeIO(dir);
  assert.equal(await check([], opted.io), 0);
  assert.equal(await route(['ceo.victim@d.example'], opted.io), 0);
  assert.deepEqual(opted.out, ['rules.yaml: ok — 1 domain, 1 user, 1 rule', 'ceo.victim@d.example → ceo.victim@gmail.com (rule 0: "{service}", user me)']);
});

test('a missing rules file is reported at 0:0 and exits 1', async (t) => {
  const dir = await tempRules(t, 'other.yaml', SMALL);
  const { io, err } = fakeIO(dir);
  assert.equal(await check([], io), 1);
  assert.deepEqual(err, ['rules.yaml:0:0: rules file not found (set RULES_FILE or pass --rules)']);
});
