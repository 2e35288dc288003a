// Someone guessing ADMIN_TOKEN or ALIAS_API_TOKEN: every refusal is counted, the log has one line a minute per source
// (with how many attempts it made), and a source that keeps failing waits longer for each answer. And while the store
// is down, /healthz (asked by the platform every few seconds, or by anyone in a loop) logs the change, not each ask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { build, testClock } from '../helpers/build.js';
import { ADMIN_TOKEN, bearer } from '../helpers/admin.js';
import { logSink } from '../helpers/log-sink.js';
import { parseExposition } from '../helpers/prometheus.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';

const ALIAS_API_TOKEN = 'alias-api-token-0123456789';

test('wrong tokens on /admin and /api: counted, one log line a minute per source with a count, and slowed as they go on', { timeout: 60_000 }, async (t) => {
  const clock = testClock();
  const sink = logSink();
  const { app } = await build(t, { clock, env: { ADMIN_TOKEN, ALIAS_API_TOKEN }, app: { logger: sink.logger } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const timed = async (path: string, token: string) => {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: bearer(token) });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  };

  const answers = [];
  for (let i = 0; i < 6; i++) answers.push(await timed('/admin/aliases', `wrong-${i}`));
  assert.ok(answers.every((a) => a.status === 401));
  assert.ok(answers.slice(0, 3).every((a) => a.ms < 200), `the first three are answered at once: ${answers.map((a) => Math.round(a.ms))}`);
  assert.ok((answers[5]?.ms ?? 0) >= 900, `the sixth waits (1 s): ${answers.map((a) => Math.round(a.ms))}`);
  assert.equal((await timed('/api/v1/aliases', 'wrong')).status, 401);
  assert.equal((await timed('/admin/aliases', ADMIN_TOKEN)).status, 200, 'the right token still works');

  const refusedLines = () => sink.lines().filter((l) => l.msg === 'token refused');
  assert.equal(refusedLines().length, 1, sink.text());
  assert.deepEqual([refusedLines()[0]?.source, refusedLines()[0]?.failures], ['127.0.0.1', 1]);
  clock.offsetMs += 61_000;
  assert.equal((await timed('/api/v1/aliases', 'wrong-again')).status, 401);
  assert.equal(refusedLines().length, 2);
  assert.deepEqual([refusedLines()[1]?.endpoint, refusedLines()[1]?.failures], ['api', 7], 'the six after the first line, and this one');
  assert.ok(!sink.text().includes('wrong-'), 'no guessed token in the log');

  const m = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(m.value('plus_relay_token_failures_total', { endpoint: 'admin' }), 6);
  assert.equal(m.value('plus_relay_token_failures_total', { endpoint: 'api' }), 2);
});

test('/healthz while the store is down: one warning when it goes, one line when it is back, none per request', async (t) => {
  const real = createSqliteStore({ location: ':memory:', clock: testClock() });
  t.after(() => real.close());
  let down = false;
  const store: Store = { ...real, kind: real.kind, close: () => real.close(), health: () => (down ? Promise.resolve({ ok: false, detail: 'disk gone' }) : real.health()) };
  const sink = logSink();
  const { app } = await build(t, { store, app: { logger: sink.logger } });
  const health = async () => (await app.inject({ method: 'GET', url: '/healthz' })).statusCode;
  assert.equal(await health(), 200);
  down = true;
  for (let i = 0; i < 50; i++) assert.equal(await health(), 503);
  down = false;
  for (let i = 0; i < 5; i++) assert.equal(await health(), 200);
  const lines = sink.lines().filter((l) => l.msg.startsWith('health check'));
  assert.deepEqual(lines.map((l) => l.msg), ['health check: store unavailable', 'health check: store available again']);
});
