// Writes per message on the SQLite store: how many group commits (IMMEDIATE transactions) and statements one
// signed notification costs, and the relay's CPU per post, in-process (app.inject) against a file in a temp dir.
// `node --import tsx --test bench/writes-per-message.ts` (POSTS=2000 by default; CONCURRENCY=1 or more).
// Statements and commits are counted by wrapping better-sqlite3's prototypes here, in the measuring process only.
// Expected: 2.00 commits and about 9 statements per post one at a time (was 3 and 13); the inventory's
// counts are written once a second, so their statements per post depend on how many aliases were mailed meanwhile.
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build, RULES_UNGUARDED, SIGNING_KEY, testClock } from '../test/helpers/build.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../test/support/fixtures.js';
import { createSqliteStore } from '../src/store/sqlite/index.js';

const counts = { commits: 0, statements: 0 };
/** Time spent in each statement (by its SQL), µs: where the store's share of a post goes. */
const spent = new Map<string, { n: number; us: number }>();
const probe = new Database(':memory:');
const statement = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<'run' | 'get' | 'all', (...args: unknown[]) => unknown>;
for (const name of ['run', 'get', 'all'] as const) {
  const original = statement[name];
  statement[name] = function (this: { source: string }, ...args: unknown[]) {
    // better-sqlite3 runs a transaction's BEGIN / COMMIT / SAVEPOINT as statements of its own.
    if (this.source === 'COMMIT') counts.commits++;
    else if (!/^(BEGIN|SAVEPOINT|RELEASE|ROLLBACK)/.test(this.source)) counts.statements++;
    const started = process.hrtime.bigint();
    try {
      return original.apply(this, args);
    } finally {
      const sql = this.source.replace(/\s+/g, ' ').slice(0, 70);
      const entry = spent.get(sql) ?? { n: 0, us: 0 };
      entry.n++;
      entry.us += Number(process.hrtime.bigint() - started) / 1000;
      spent.set(sql, entry);
    }
  };
}
test('writes and CPU per signed notification (SQLite file store)', async (t) => {
  const posts = Number(process.env.POSTS ?? 2000);
  const concurrency = Number(process.env.CONCURRENCY ?? 1);
  const dir = mkdtempSync(join(tmpdir(), 'writes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = testClock();
  const store = createSqliteStore({ location: { dataDir: dir }, clock });
  t.after(() => store.close());
  const { app, api } = await build(t, { rules: RULES_UNGUARDED, clock, store });
  let n = 0;
  const post = async (): Promise<void> => {
    const i = n++;
    // Known aliases after the first round (u0…u49+shop0…9), as in the bench: one target each.
    const fields = [...sampleMessage({ recipient: `owner+shop${i % 500}@destroy.systems`, subject: `note ${i}` }).fields];
    const block = freshSignatureBlock(SIGNING_KEY);
    fields.push(['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]);
    const body = parsedUrlencoded(fields);
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
    if (res.statusCode !== 200) throw new Error(`post ${i}: ${res.statusCode} ${res.body}`);
  };
  const run = async (count: number): Promise<void> => {
    let left = count;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await post();
    }));
  };
  await run(600); // warm-up: JIT, and the aliases become known
  counts.commits = 0;
  counts.statements = 0;
  spent.clear();
  const sentBefore = api.sent.length;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(posts);
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  const sent = api.sent.length - sentBefore;
  t.diagnostic(`posts ${posts} (concurrency ${concurrency}), sent ${sent}`);
  t.diagnostic(`commits/post ${(counts.commits / posts).toFixed(2)}, statements/post ${(counts.statements / posts).toFixed(2)}`);
  const sql = [...spent].sort((a, b) => b[1].us - a[1].us);
  t.diagnostic(`SQLite µs/post ${(sql.reduce((sum, [, e]) => sum + e.us, 0) / posts).toFixed(0)}`);
  for (const [text, e] of sql.slice(0, 14)) t.diagnostic(`  ${(e.us / posts).toFixed(1).padStart(6)} µs/post ${(e.n / posts).toFixed(2)}× ${text}`);
  t.diagnostic(`CPU/post ${((used.user + used.system) / posts).toFixed(0)} µs (process incl. the API stand-in), wall/post ${((wall * 1000) / posts).toFixed(0)} µs`);
});
