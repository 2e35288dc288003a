// The attack from the issue, against the real process: clients that declare near-maximum unsigned bodies, send
// most of them and stall. The relay must hold no more than MAX_INFLIGHT_BYTES of body for them (the signature can
// only be checked once a body has arrived), tell the rest to come back later before reading them, stay healthy,
// and let Mailgun through once they are gone. Resident memory is read from /proc/<pid>/status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRelay } from '../helpers/relay-process.js';
import { rawPost, until, type RawPost } from '../helpers/raw-post.js';
import { startMailgunApi } from '../support/mailgun-api.js';
import { freshSignatureBlock, rawModeFields, rawUrlencoded, sampleMessage, sampleMime, type Payload } from '../support/fixtures.js';

const MiB = 1024 * 1024;
const BUDGET = 128 * MiB;
const MAX_BODY = 64 * MiB;
const DECLARED = 63 * MiB; // close to MAX_BODY_BYTES: two fit in the budget, a third does not
const SENT = 56 * MiB; // most of it; then the client stalls
const ATTACKERS = 12;
const SIGNING_KEY = 'stalled-posts-signing-key';
const FORM = 'application/x-www-form-urlencoded';

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

/** A signed raw-mode post to github@example.com (the example rules) carrying about `bytes` of message. */
function signedPost(bytes: number): Payload {
  const block = freshSignatureBlock(SIGNING_KEY);
  const fields = [...rawModeFields(sampleMessage({ recipient: 'github@example.com' })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]] as const;
  return rawUrlencoded(sampleMime({ text: 'x'.repeat(bytes), to: 'github@example.com', messageId: `<${randomUUID()}@example.net>` }), fields);
}

test('12 stalled unsigned near-max posts: RSS stays within the budget, the rest get 503 at once, /healthz answers, Mailgun gets through after', async (t) => {
  const api = await startMailgunApi({ key: 'key-test' });
  const relay = await startRelay(
    {
      MAILGUN_API_KEY: 'key-test',
      MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY,
      MAILGUN_API_URL: api.url,
      MAX_BODY_BYTES: String(MAX_BODY),
      MAX_INFLIGHT_BYTES: String(BUDGET),
      // The stall outlasts the test: here the budget alone must hold the line.
      REQUEST_TIMEOUT_MS: '600000',
    },
    { nodeArgs: ['--expose-gc'] },
  );
  t.after(() => relay.child.kill('SIGKILL'));
  t.after(() => api.close());
  const pid = relay.child.pid as number;
  const post = async (body: Payload) => {
    const res = await fetch(`${relay.url}/mailgun/inbound/mime`, { method: 'POST', body: body.payload, headers: body.headers });
    return { status: res.status, text: await res.text() };
  };

  // Warm up through every layer, then the idle baseline.
  assert.equal((await post(signedPost(1024))).status, 200);
  await sleep(500);
  const idle = await rssMiB(pid);

  const health: string[] = [];
  let polling = true;
  t.after(() => (polling = false));
  const poller = (async () => {
    while (polling) {
      const res = await fetch(`${relay.url}/healthz`, { signal: AbortSignal.timeout(10_000) }).catch((err: Error) => err);
      health.push(res instanceof Error ? res.message : String(res.status));
      await sleep(250);
    }
  })();

  const attackers: RawPost[] = [];
  let peak = 0;
  try {
    for (let i = 0; i < ATTACKERS; i++) attackers.push(await rawPost(relay.url, '/mailgun/inbound/mime', { 'content-type': FORM, 'content-length': String(DECLARED) }));
    const pumped = await Promise.all(attackers.map(async (a) => (await a.send(Buffer.from('recipient=github%40example.com&body-mime='))) && a.pump(SENT)));
    const refused = () => attackers.filter((a) => a.status() === 503);
    await until(() => refused().length >= ATTACKERS - 2, 15_000);
    const answers = attackers.map((a) => `${a.status() ?? 'none'} after ${(a.sent / MiB).toFixed(1)} MiB`);
    assert.equal(refused().length, ATTACKERS - 2, `answers: ${answers.join(', ')}`);
    for (const a of refused()) {
      assert.ok(a.answeredEarly(), 'answered while its body was owed');
      assert.match(a.response(), /PLUS_RELAY_INFLIGHT_FULL/);
    }
    const held = attackers.filter((a) => a.status() === null);
    assert.equal(held.length, 2, 'two near-max bodies fit in the budget and are being read');
    assert.ok(held.every((a) => a.sent >= SENT), `the admitted ones sent most of their bodies: ${pumped.join(', ')}`);

    for (let i = 0; i < 12; i++) {
      peak = Math.max(peak, await rssMiB(pid));
      await sleep(250);
    }
    t.diagnostic(`RSS idle ${idle.toFixed(0)} MiB, peak under attack ${peak.toFixed(0)} MiB (budget ${BUDGET / MiB} MiB)`);
    assert.ok(peak - idle <= (1.5 * BUDGET) / MiB, `RSS grew by ${(peak - idle).toFixed(0)} MiB for a ${BUDGET / MiB} MiB budget`);

    // While they hold the budget, even a signed 16 MiB post is told to retry, before its body is read.
    const body = signedPost(16 * MiB);
    const during = await rawPost(relay.url, '/mailgun/inbound/mime', { ...body.headers, 'content-length': String(body.payload.length) });
    void during.send(body.payload);
    await until(() => during.status() !== null, 15_000);
    assert.equal(during.status(), 503, during.response());
  } finally {
    for (const a of attackers) a.socket.destroy();
  }

  // Once the attackers are gone, their reservations come back and the same kind of post goes through.
  let last = 'nothing';
  for (const deadline = Date.now() + 20_000; last !== '200' && Date.now() < deadline; await sleep(200)) {
    last = await post(signedPost(16 * MiB)).then((r) => String(r.status), (err: Error) => err.message);
  }
  assert.equal(last, '200');
  assert.equal(api.sent.length, 2);

  polling = false;
  await poller;
  assert.ok(health.length > 5, `health checks: ${health.length}`);
  assert.deepEqual(health.filter((h) => h !== '200'), [], '/healthz answered 200 throughout');
});
