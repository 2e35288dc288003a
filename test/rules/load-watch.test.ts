import assert from 'node:assert/strict';
import { rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RuleSet } from '../../src/rules/compile.js';
import { RulesLoadError } from '../../src/rules/errors.js';
import { loadRules } from '../../src/rules/load.js';
import { watchRules } from '../../src/rules/watch.js';
import { tempDir } from '../helpers/temp-dir.js';

const rulesTo = (target: string) => `domains: [d.example]\nrules:\n  - match: "{service}"\n    to: "${target}+{service}@gmail.com"\n`;

/** Polls until `check` returns a value, failing after `ms`. */
async function eventually<T>(check: () => T | undefined, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`nothing within ${ms} ms`);
    await sleep(20);
  }
}

test('loadRules reads and compiles a file', async (t) => {
  const file = join(await tempDir(t, 'rules'), 'rules.yaml');
  await writeFile(file, rulesTo('a'));
  const rules = await loadRules(file);
  assert.equal(rules.file, file);
  assert.deepEqual(rules.route('gh@d.example'), { action: 'forward', to: ['a+gh@gmail.com'], rule: 0, user: null });
});

test('a missing file is a RulesLoadError at 0:0', async (t) => {
  const file = join(await tempDir(t, 'rules'), 'absent.yaml');
  await assert.rejects(loadRules(file, 'absent.yaml'), (err: unknown) => {
    assert.ok(err instanceof RulesLoadError);
    assert.deepEqual(err.problems, [{ file: 'absent.yaml', line: 0, col: 0, message: 'rules file not found (set RULES_FILE or pass --rules)' }]);
    assert.equal(err.message, 'absent.yaml:0:0: rules file not found (set RULES_FILE or pass --rules)');
    return true;
  });
});

test('watchRules: in-place edits, invalid edits and rename-replacement', async (t) => {
  const dir = await tempDir(t, 'rules');
  const file = join(dir, 'rules.yaml');
  await writeFile(file, rulesTo('a'));
  const reloads: RuleSet[] = [];
  const errors: RulesLoadError[] = [];
  const watcher = watchRules(file, await loadRules(file), { onReload: (r) => reloads.push(r), onError: (e) => errors.push(e) }, 50);
  t.after(() => watcher.close());

  // A valid in-place edit is picked up.
  await sleep(20);
  await writeFile(file, rulesTo('b'));
  const first = await eventually(() => reloads[0]);
  assert.deepEqual(first.route('gh@d.example'), { action: 'forward', to: ['b+gh@gmail.com'], rule: 0, user: null });

  // An invalid edit is reported with positions, and nothing is reloaded.
  await writeFile(file, 'domains: []\nrules: []\n');
  const error = await eventually(() => errors[0]);
  assert.deepEqual(error.problems.map((p) => `${p.line}:${p.col}`), ['1:10']);
  assert.equal(reloads.length, 1);

  // An editor-style save: write a new file, rename it over the old one.
  const temp = join(dir, '.rules.yaml.swp');
  await writeFile(temp, rulesTo('c'));
  await rename(temp, file);
  const second = await eventually(() => reloads[1]);
  assert.deepEqual(second.route('gh@d.example'), { action: 'forward', to: ['c+gh@gmail.com'], rule: 0, user: null });
});

test('watchRules: a file that disappears is reported; close stops all reports', async (t) => {
  const file = join(await tempDir(t, 'rules'), 'rules.yaml');
  await writeFile(file, rulesTo('a'));
  const reloads: RuleSet[] = [];
  const errors: RulesLoadError[] = [];
  const watcher = watchRules(file, await loadRules(file), { onReload: (r) => reloads.push(r), onError: (e) => errors.push(e) }, 30);
  await rm(file);
  const error = await eventually(() => errors[0]);
  assert.match(error.message, /rules file not found/);
  watcher.close();
  await writeFile(file, rulesTo('z'));
  await sleep(150);
  assert.equal(reloads.length, 0);
});

test('watchRules with the default interval: a touch is not a reload, an edit lands within 2 seconds', async (t) => {
  const file = join(await tempDir(t, 'rules'), 'rules.yaml');
  await writeFile(file, rulesTo('a'));
  const reloads: RuleSet[] = [];
  const watcher = watchRules(file, await loadRules(file), { onReload: (r) => reloads.push(r), onError: (e) => assert.fail(e) });
  t.after(() => watcher.close());
  const later = new Date(Date.now() + 5000);
  await utimes(file, later, later);
  await sleep(700);
  assert.equal(reloads.length, 0);
  await writeFile(file, rulesTo('b'));
  const started = Date.now();
  const next = await eventually(() => reloads[0], 2000);
  assert.ok(Date.now() - started < 2000);
  assert.deepEqual(next.route('x@d.example'), { action: 'forward', to: ['b+x@gmail.com'], rule: 0, user: null });
});
