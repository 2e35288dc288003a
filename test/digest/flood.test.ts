// The flood guard's holds on a user's mailbox appear in that user's digest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { API_KEY } from '../helpers/build.js';
import { startMailgunApi } from '../support/mailgun-api.js';
import { compileRules } from '../../src/rules/index.js';
import { createMailgunTransport } from '../../src/forward/mailgun.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { runDigest } from '../../src/digest/run.js';
import type { DigestFloodEvent } from '../../src/digest/collect.js';
import { clockAt, DIGEST_RULES, MORNING } from './helpers.js';

test("the flood guard's holds on a user's mailbox are news for that user's digest, and only theirs", async (t) => {
  const api = await startMailgunApi({ key: API_KEY });
  t.after(() => api.close());
  const clock = clockAt(MORNING);
  const store = createSqliteStore({ location: ':memory:', clock });
  t.after(() => store.close());
  const holds: DigestFloodEvent[] = [
    { mailbox: 'personalemail@gmail.com', limit: 'per_minute', count: 120, first: MORNING - 7200_000, last: MORNING - 7000_000 },
    { mailbox: 'someone-else@gmail.com', limit: 'per_minute', count: 5, first: MORNING - 7200_000, last: MORNING - 7000_000 },
  ];
  const asked: number[] = [];
  const rules = compileRules(DIGEST_RULES, 'rules.yaml');
  const run = await runDigest(
    {
      store,
      rules: () => rules,
      transport: createMailgunTransport({ apiKey: API_KEY, url: api.url, domain: 'destroy.systems', timeoutMs: 2000 }),
      clock,
      sendingDomain: 'destroy.systems',
      relayId: 'destroy.systems',
      claimTtlMs: 30_000,
      log: Fastify({ logger: false }).log,
      flood: { recent: async (now) => (asked.push(now), holds) },
    },
    { dryRun: false },
  );
  assert.equal(asked.length, 1);
  assert.deepEqual(run.outcomes.map((o) => `${o.user} ${o.status}`), ['owner sent', 'partner nothing', 'family nothing']);
  assert.equal(api.sent[0]?.fields.subject?.[0], 'plus-relay digest 2026-12-03: flood guard');
  assert.match(api.sent[0]?.fields.text?.[0] ?? '', /Flood guard\n {2}held by the flood guard for personalemail@gmail\.com \(Mailgun retries it\): 120 times \(per_minute 120\), 2026-12-03 04:00 UTC to 2026-12-03 04:03 UTC\n/);
});
