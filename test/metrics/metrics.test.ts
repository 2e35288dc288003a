import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { build, RULES, SIGNING_KEY } from '../helpers/build.js';
import { parseExposition } from '../helpers/prometheus.js';
import { isSend } from '../support/mailgun-api.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';
import { loadConfig, ConfigError } from '../../src/config.js';

type App = Awaited<ReturnType<typeof build>>['app'];

function post(app: App, recipient: string, block = freshSignatureBlock(SIGNING_KEY), extra: { sender?: string; bodyPlain?: string } = {}) {
  const body = parsedUrlencoded([...sampleMessage({ recipient, ...extra }).fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
  return app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
}

async function scrape(app: App, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parseExposition(res.body);
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 25))) if (await check()) return true;
  return false;
}

test('a fresh app exposes every outcome at 0, the rules metrics and the process metrics', async (t) => {
  const { app } = await build(t);
  const m = await scrape(app);
  for (const outcome of ['forwarded', 'duplicate', 'rejected', 'bad-signature', 'failed', 'busy', 'store-unavailable']) {
    assert.equal(m.value('plus_relay_deliveries_total', { outcome }), 0, outcome);
  }
  assert.equal(m.value('plus_relay_rules_reloads_total'), 0);
  assert.equal(m.value('plus_relay_rules_reload_failures_total'), 0);
  assert.equal(m.value('plus_relay_rules_file_valid'), 1);
  assert.equal(m.types.get('plus_relay_send_duration_seconds'), 'histogram');
  assert.equal(m.types.get('process_cpu_user_seconds_total'), 'counter');
  assert.ok(m.types.has('nodejs_eventloop_lag_seconds'));
});

test('deliveries are counted by outcome and by rule; Mailgun API latency by result', async (t) => {
  const { app, api } = await build(t);
  const replayed = freshSignatureBlock(SIGNING_KEY);
  assert.equal((await post(app, 'github@destroy.systems', replayed)).statusCode, 200);
  assert.equal((await post(app, 'github@destroy.systems', replayed)).statusCode, 200, 'a replay is a duplicate');
  assert.equal((await post(app, 'abuse@destroy.systems')).statusCode, 406);
  assert.equal((await post(app, 'github@destroy.systems', { ...freshSignatureBlock(SIGNING_KEY), signature: '0'.repeat(64) })).statusCode, 401);
  api.failWhen(isSend, { kind: 'status', status: 500 }, 1);
  assert.equal((await post(app, 'shop@destroy.systems')).statusCode, 502);
  api.failWhen(isSend, { kind: 'status', status: 400 }, 1);
  assert.equal((await post(app, 'other@destroy.systems')).statusCode, 406);

  const m = await scrape(app);
  const outcomes = { forwarded: 1, duplicate: 1, rejected: 2, 'bad-signature': 1, failed: 1, busy: 0, 'store-unavailable': 0 };
  for (const [outcome, n] of Object.entries(outcomes)) assert.equal(m.value('plus_relay_deliveries_total', { outcome }), n, outcome);
  // RULES: rule 0 rejects "abuse", rule 4 is the catch-all "{service}"; a bad signature never reaches a rule.
  assert.equal(m.value('plus_relay_deliveries_by_rule_total', { rule: '4', outcome: 'forwarded' }), 1);
  assert.equal(m.value('plus_relay_deliveries_by_rule_total', { rule: '0', outcome: 'rejected' }), 1);
  assert.equal(m.value('plus_relay_deliveries_by_rule_total', { rule: '4', outcome: 'rejected' }), 1, 'the API refused it (400)');
  assert.equal(m.value('plus_relay_deliveries_by_rule_total', { rule: 'none', outcome: 'bad-signature' }), 1);
  assert.equal(m.value('plus_relay_send_duration_seconds_count', { transport: 'mailgun', result: 'ok' }), 1);
  assert.equal(m.value('plus_relay_send_duration_seconds_count', { transport: 'mailgun', result: 'unavailable' }), 1);
  assert.equal(m.value('plus_relay_send_duration_seconds_count', { transport: 'mailgun', result: 'refused' }), 1);
  assert.equal(m.value('plus_relay_delivery_duration_seconds_count', { outcome: 'forwarded' }), 1);
  assert.equal(api.sent.length, 1);
});

test('the latency histogram measures the API call itself', async (t) => {
  const { app, api } = await build(t);
  api.failWhen(isSend, { kind: 'delay', ms: 300 }, 1);
  assert.equal((await post(app, 'github@destroy.systems')).statusCode, 200);
  const m = await scrape(app);
  const labels = { transport: 'mailgun', result: 'ok' };
  assert.equal(m.value('plus_relay_send_duration_seconds_bucket', { ...labels, le: '0.25' }), 0, 'a 300 ms call is not under 0.25 s');
  assert.equal(m.value('plus_relay_send_duration_seconds_bucket', { ...labels, le: '0.5' }), 1);
  assert.ok((m.value('plus_relay_send_duration_seconds_sum', labels) ?? 0) >= 0.3);
});

test('rules reloads and reload failures are counted; rules_file_valid drops to 0 on an invalid edit', async (t) => {
  const file = join(await mkdtemp(join(tmpdir(), 'plus-relay-metrics-')), 'rules.yaml');
  await writeFile(file, RULES);
  const { app } = await build(t, { app: { watchRulesFile: file, watchIntervalMs: 25 } });
  await writeFile(file, RULES.replace('"abuse"', '"abuse2"'));
  assert.ok(await until(async () => (await scrape(app)).value('plus_relay_rules_reloads_total') === 1, 3000), 'reload not counted');
  await writeFile(file, 'rules: [');
  assert.ok(await until(async () => (await scrape(app)).value('plus_relay_rules_reload_failures_total') === 1, 3000), 'failure not counted');
  const m = await scrape(app);
  assert.equal(m.value('plus_relay_rules_file_valid'), 0);
  assert.equal(m.value('plus_relay_rules_reloads_total'), 1);
});

test('two apps in one process count separately', async (t) => {
  const one = await build(t);
  const two = await build(t);
  assert.equal((await post(one.app, 'github@destroy.systems')).statusCode, 200);
  assert.equal((await scrape(one.app)).value('plus_relay_deliveries_total', { outcome: 'forwarded' }), 1);
  assert.equal((await scrape(two.app)).value('plus_relay_deliveries_total', { outcome: 'forwarded' }), 0);
});

test('METRICS_TOKEN: /metrics needs the bearer token; short tokens are refused at boot', async (t) => {
  const token = 'metrics-token-0123456789';
  const { app } = await build(t, { env: { METRICS_TOKEN: token } });
  for (const authorization of [undefined, `Bearer ${token}x`, token, `Bearer ${token.slice(0, -1)}`]) {
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
    assert.equal(res.statusCode, 401, String(authorization));
    assert.ok(!res.body.includes('plus_relay_'), 'no metrics without the token');
  }
  await scrape(app, { authorization: `Bearer ${token}` });
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, '/healthz stays open');
  assert.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), ConfigError);
});

test('the per-address view: each delivery log line names recipient, envelope sender and From, never the body', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } });
  const { app } = await build(t, { app: { logger: { level: 'info', stream } } });
  assert.equal((await post(app, 'github@destroy.systems', undefined, { sender: 'bounce-7@spam.example', bodyPlain: 'BODY-SENTINEL' })).statusCode, 200);
  const delivery = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'delivery');
  assert.ok(delivery, lines.join('\n'));
  assert.equal(delivery.recipient, 'github@destroy.systems');
  assert.equal(delivery.sender, 'bounce-7@spam.example');
  assert.equal(delivery.from, 'Bob <bob@example.net>');
  assert.ok(!lines.join('\n').includes('BODY-SENTINEL'));
});
