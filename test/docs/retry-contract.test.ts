// The retry contract is stated once, in src/retry-contract.ts; the README's table mirrors it. This keeps the
// mirror honest: an outcome added, removed or given another status in code fails here until the README says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RETRY_CONTRACT } from '../../src/retry-contract.js';

test("the README's retry-contract table is the code's table", async () => {
  const readme = await readFile(join(resolve(import.meta.dirname, '../..'), 'README.md'), 'utf8');
  const block = /<!-- retry-contract:start -->([\s\S]*?)<!-- retry-contract:end -->/.exec(readme)?.[1];
  assert.ok(block, 'README.md has the retry-contract table between its markers');
  const rows = block
    .split('\n')
    .map((line) => /^\| `([a-z-]+)` \| (\d{3}) \| ([a-z ]+) \| (.+) \|$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], { status: Number(m[2]), mailgun: m[3], when: m[4]?.replace(/`/g, '') }]);
  const code = Object.entries(RETRY_CONTRACT).map(([outcome, c]) => [outcome, { status: c.status, mailgun: c.mailgun, when: c.when }]);
  assert.deepEqual(rows, code);
});
