// A bounded loopback soak: real listening relays, the Mailgun API stand-in, thousands of signed posts at a
// concurrency of 16 over keep-alive connections (undici Pool). Every request must be answered 200, every
// message sent exactly once, and RSS must settle (compared after warm-up and at the end, after a GC).
// SOAK_POSTS widens a run.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { build, API_KEY, SIGNING_KEY, type Built } from '../helpers/build.js';
import { redisStore, sharedRedis, untilHealthy } from '../helpers/redis.js';
import { createMailgunTransport } from '../../src/forward/mailgun.js';
import { startMailgunApi, type MailgunApi } from '../support/mailgun-api.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';
import type { Store } from '../../src/store/types.js';

const POSTS = Number(process.env.SOAK_POSTS ?? 3000);
const CONCURRENCY = 16;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function rssMiB(): number {
  gc();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  if (process.env.SOAK_VERBOSE) console.log({ rss: rss / 2 ** 20, heapUsed: heapUsed / 2 ** 20, external: external / 2 ** 20, arrayBuffers: arrayBuffers / 2 ** 20 });
  heap.push(heapUsed / 2 ** 20);
  return rss / 2 ** 20;
}
const heap: number[] = [];

function body(n: number): { payload: Buffer; headers: Record<string, string> } {
  const b = freshSignatureBlock(SIGNING_KEY);
  const fields = sampleMessage({ recipient: `svc${n}@destroy.systems` }).fields.map(([k, v]): readonly [string, string] =>
    k === 'message-headers' ? [k, v.replace('<CAF=bob.1234@mail.example.net>', `<soak.${n}.${randomUUID()}@mail.example.net>`)] : [k, v],
  );
  return parsedUrlencoded([...fields, ['timestamp', b.timestamp], ['token', b.token], ['signature', b.signature]]);
}

async function listening(t: TestContext, api: MailgunApi, store?: Store): Promise<{ built: Built; pool: Pool }> {
  const built = await build(t, {
    ...(store ? { store } : {}),
    env: { MAILGUN_TIMEOUT_MS: '5000' },
    transport: (_own, config) => createMailgunTransport({ apiKey: API_KEY, url: api.url, domain: 'destroy.systems', timeoutMs: config.env.MAILGUN_TIMEOUT_MS }),
  });
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = built.app.server.address() as AddressInfo;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY });
  t.after(() => pool.close());
  return { built, pool };
}

/** Posts `count` messages, each to every pool at once (copies of one delivery); counts what the API got. */
async function soak(api: MailgunApi, pools: Pool[], from: number, count: number, statuses: Map<number, number>, perRecipient: Map<string, number>) {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < from + count) {
      const n = next++;
      const { payload, headers } = body(n);
      const answers = await Promise.all(pools.map((pool) => pool.request({ method: 'POST', path: '/mailgun/inbound', body: payload, headers })));
      for (const answer of answers) {
        statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
        await answer.body.dump();
      }
      // Count and let go of what the stand-in recorded, so its memory is not what we measure.
      for (const sent of api.sent.splice(0)) perRecipient.set(sent.to[0] ?? '', (perRecipient.get(sent.to[0] ?? '') ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: Math.ceil(CONCURRENCY / pools.length) }, worker));
}

function check(t: TestContext, label: string, posts: number, copies: number, statuses: Map<number, number>, perRecipient: Map<string, number>, rss: number[], ms: number) {
  t.diagnostic(`${label}: ${posts} messages × ${copies} in ${ms} ms (${Math.round((posts * copies * 1000) / ms)} req/s); statuses ${JSON.stringify(Object.fromEntries(statuses))}; RSS after warm-up ${rss[0]?.toFixed(1)} MiB, end ${rss[1]?.toFixed(1)} MiB; heap used ${heap.map((h) => h.toFixed(1)).join(' → ')} MiB`);
  assert.deepEqual([...statuses.keys()], [200], JSON.stringify(Object.fromEntries(statuses)));
  assert.equal(statuses.get(200), posts * copies);
  assert.equal(perRecipient.size, posts, 'every message was sent');
  assert.deepEqual([...new Set(perRecipient.values())], [1], 'and each exactly once');
  const [warm = 0, end = 0] = rss;
  assert.ok(end - warm < 80, `RSS grew ${(end - warm).toFixed(1)} MiB after warm-up`);
}

test(`soak: ${POSTS} signed posts at concurrency ${CONCURRENCY} into one relay (memory store)`, async (t) => {
  const api = await startMailgunApi({ key: API_KEY });
  t.after(() => api.close());
  const { pool } = await listening(t, api);
  const statuses = new Map<number, number>();
  const perRecipient = new Map<string, number>();
  const started = Date.now();
  const warmup = Math.floor(POSTS / 5);
  await soak(api, [pool], 0, warmup, statuses, perRecipient);
  const rss = [rssMiB()];
  await soak(api, [pool], warmup, POSTS - warmup, statuses, perRecipient);
  rss.push(rssMiB());
  check(t, 'memory', POSTS, 1, statuses, perRecipient, rss, Date.now() - started);
});

test(`soak: every delivery posted to two relays sharing Redis at once, sent exactly once`, async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const api = await startMailgunApi({ key: API_KEY });
  t.after(() => api.close());
  const namespace = `plus-relay-test-${randomUUID()}`;
  const pools: Pool[] = [];
  for (let i = 0; i < 2; i++) {
    const store = redisStore(t, url, namespace);
    await untilHealthy(store);
    pools.push((await listening(t, api, store)).pool);
  }
  const posts = Math.floor(POSTS / 2);
  const statuses = new Map<number, number>();
  const perRecipient = new Map<string, number>();
  const started = Date.now();
  const warmup = Math.floor(posts / 5);
  await soak(api, pools, 0, warmup, statuses, perRecipient);
  const rss = [rssMiB()];
  await soak(api, pools, warmup, posts - warmup, statuses, perRecipient);
  rss.push(rssMiB());
  check(t, 'redis, 2 instances', posts, 2, statuses, perRecipient, rss, Date.now() - started);
});
