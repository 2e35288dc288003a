import { test } from 'node:test';
import { globalAgent } from 'node:http';
import assert from 'node:assert/strict';
import { build, RULES_UNGUARDED, SIGNING_KEY } from '../helpers/build.js';
import { isSend } from '../support/mailgun-api.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';

function post(app: Awaited<ReturnType<typeof build>>['app'], n: number) {
  const b = freshSignatureBlock(SIGNING_KEY);
  const body = parsedUrlencoded([...sampleMessage({ recipient: `svc${n}@destroy.systems` }).fields, ['timestamp', b.timestamp], ['token', b.token], ['signature', b.signature]]);
  return app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
}

/** The relay's sockets to the API: mailgun.js (axios) uses Node's global agent, which has no socket limit. */
const agentSockets = (): number =>
  [globalAgent.sockets, globalAgent.freeSockets].flatMap((byHost) => Object.values(byHost)).reduce((n, list) => n + (list?.length ?? 0), 0);

test('a hung Mailgun API: 60 concurrent posts all get a 5xx in bounded time, over at most MAX_CONCURRENT_SENDS sockets', async (t) => {
  const timeoutMs = 400;
  const limit = 4;
  const { app, api } = await build(t, { rules: RULES_UNGUARDED, env: { MAILGUN_TIMEOUT_MS: String(timeoutMs), MAX_CONCURRENT_SENDS: String(limit) } });
  api.failWhen(isSend, { kind: 'hang' });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, agentSockets())), 2);
  t.after(() => clearInterval(sampler));

  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      const res = await post(app, i);
      return { status: res.statusCode, outcome: res.json().status as string, ms: Date.now() - started };
    }),
  );
  clearInterval(sampler);
  for (const a of answers) assert.ok(a.status === 502 || a.status === 503, JSON.stringify(a));
  const slowest = Math.max(...answers.map((a) => a.ms));
  // A send waits at most MAILGUN_TIMEOUT_MS for a slot, then at most MAILGUN_TIMEOUT_MS for the API; the rest is
  // reading, verifying, routing and recording 60 posts, seconds at worst on a loaded 2-core CI machine. Without the
  // bound a hung API never answers at all.
  assert.ok(slowest < 2 * timeoutMs + 3000, `slowest answer after ${slowest} ms`);
  assert.ok(answers.filter((a) => a.outcome === 'busy').length >= 60 - 2 * limit - 4 * limit, 'most are refused as busy rather than queued');
  // A timed-out socket is still closing when its slot's next send opens one: at most twice the limit
  // (without the limit: one socket per post, 60).
  assert.ok(peak > 0 && peak <= 2 * limit, `peak ${peak} sockets to the API for a limit of ${limit}`);
  assert.ok(api.requests <= 2 * limit, `${api.requests} requests reached the API`);
  assert.equal(api.sent.length, 0);

  // The API recovers: so does the relay, and Mailgun's retries go through.
  api.clearFaults();
  const after = await Promise.all(Array.from({ length: 8 }, (_, i) => post(app, 100 + i)));
  assert.deepEqual(after.map((r) => r.statusCode), Array(8).fill(200));
  assert.equal(api.sent.length, 8);
});

test('a slow (not hung) API: sends queue for a slot and all succeed when they fit in the wait', async (t) => {
  const { app, api } = await build(t, { env: { MAILGUN_TIMEOUT_MS: '2000', MAX_CONCURRENT_SENDS: '2' } });
  api.failWhen(isSend, { kind: 'delay', ms: 100 }, Infinity);
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(app, i)));
  assert.deepEqual(answers.map((r) => r.statusCode), Array(6).fill(200));
  assert.equal(api.sent.length, 6);
});
