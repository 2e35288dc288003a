// The retry contract is stated once, in src/retry-contract.ts; the table in the docs mirrors it. This keeps the
// mirror honest: an outcome added, removed or given another status in code fails here until the docs say so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docFiles, docText } from '../helpers/readme-sessions.js';
import { RETRY_CONTRACT } from '../../src/retry-contract.js';

test("the docs' retry-contract table is the code's table", async () => {
  const blocks = docFiles().flatMap((file) => [...docText(file).matchAll(/<!-- retry-contract:start -->([\s\S]*?)<!-- retry-contract:end -->/g)].map((m) => m[1] ?? ''));
  assert.equal(blocks.length, 1, 'one page of the README and docs/ has the retry-contract table between its markers');
  const block = blocks[0] ?? '';
  const rows = block
    .split('\n')
    .map((line) => /^\| `([a-z-]+)` \| (\d{3}) \| ([a-z ]+) \| (.+) \|$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], { status: Number(m[2]), mailgun: m[3], when: m[4]?.replace(/`/g, '') }]);
  const code = Object.entries(RETRY_CONTRACT).map(([outcome, c]) => [outcome, { status: c.status, mailgun: c.mailgun, when: c.when }]);
  assert.deepEqual(rows, code);
});
