// How a resend can end is stated once, in src/resend/outcomes.ts; the README's table mirrors it (like the retry
// contract's): an outcome added, removed or given another status in code fails here until the README says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RESEND_OUTCOMES } from '../../src/resend/outcomes.js';

test("the README's resend table is the code's table", async () => {
  const readme = await readFile(join(resolve(import.meta.dirname, '../..'), 'README.md'), 'utf8');
  const block = /<!-- resend-outcomes:start -->([\s\S]*?)<!-- resend-outcomes:end -->/.exec(readme)?.[1];
  assert.ok(block, 'README.md has the resend table between its markers');
  const rows = block
    .split('\n')
    .map((line) => /^\| `([a-z-]+)` \| (\d{3}) \| (.+) \|$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], { status: Number(m[2]), when: m[3] }]);
  assert.deepEqual(rows, Object.entries(RESEND_OUTCOMES).map(([outcome, c]) => [outcome, { status: c.status, when: c.when }]));
});
