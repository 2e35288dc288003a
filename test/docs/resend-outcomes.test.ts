// How a resend can end is stated once, in src/resend/outcomes.ts; the table in the docs mirrors it (like the retry
// contract's): an outcome added, removed or given another status in code fails here until the docs say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docFiles, docText } from '../helpers/readme-sessions.js';
import { RESEND_OUTCOMES } from '../../src/resend/outcomes.js';

test("the docs' resend table is the code's table", async () => {
  const blocks = docFiles().flatMap((file) => [...docText(file).matchAll(/<!-- resend-outcomes:start -->([\s\S]*?)<!-- resend-outcomes:end -->/g)].map((m) => m[1] ?? ''));
  assert.equal(blocks.length, 1, 'one page of the README and docs/ has the resend table between its markers');
  const block = blocks[0] ?? '';
  const rows = block
    .split('\n')
    .map((line) => /^\| `([a-z-]+)` \| (\d{3}) \| (.+) \|$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], { status: Number(m[2]), when: m[3] }]);
  assert.deepEqual(rows, Object.entries(RESEND_OUTCOMES).map(([outcome, c]) => [outcome, { status: c.status, when: c.when }]));
});
