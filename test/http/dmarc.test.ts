// Raw mode under DMARC: the relay forwards the sender's bytes when they can pass DMARC at the target (an aligned DKIM
// signature verifies, or the From domain enforces nothing), and otherwise sends From its own address. The DKIM keys
// and DMARC policies are served by a loopback DNS server that the relay's real node:dns resolver asks.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { build, SIGNING_KEY, testClock, type BuildOptions } from '../helpers/build.js';
import { parseExposition } from '../helpers/prometheus.js';
import { deliveredMime } from '../support/mailgun-api.js';
import type { TxtRecords } from '../support/dns-server.js';
import { dkimSignedMime, freshSignatureBlock, parsedUrlencoded, rawModeFields, rawUrlencoded, sampleMessage, sampleMime, verifyDkim } from '../support/fixtures.js';
import { dnsResolver } from '../../src/forward/dns.js';

type App = Awaited<ReturnType<typeof build>>['app'];

const ALIAS = 'github@destroy.systems';
const TARGET = 'personalemail+github@gmail.com';
const REJECT: TxtRecords = { '_dmarc.example.net': ['v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.net'] };
const RELAY_FROM = '"Bob (bob@example.net) via plus-relay" <relay@destroy.systems>';

function postRaw(app: App, mime: Buffer, recipient = ALIAS) {
  const block = freshSignatureBlock(SIGNING_KEY);
  const fields = [...rawModeFields(sampleMessage({ recipient })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]] as const;
  const body = rawUrlencoded(mime, [...fields]);
  return app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
}

async function relay(t: TestContext, options: BuildOptions) {
  const built = await build(t, options);
  const send = async (mime: Buffer) => {
    const res = await postRaw(built.app, mime);
    assert.equal(res.statusCode, 200, res.body);
    const sent = built.api.sent.at(-1);
    assert.ok(sent?.mime, 'a messages.mime send');
    return sent;
  };
  return { ...built, send };
}

/** A message's header fields (each with its continuation lines and line ending) and its body bytes. */
function split(mime: Buffer): { fields: string[]; body: Buffer } {
  const text = mime.toString('latin1');
  const blank = /\r?\n(?=\r?\n)/.exec(text);
  const end = blank ? blank.index + blank[0].length : text.length;
  const fields: string[] = [];
  for (const line of text.slice(0, end).match(/[^\n]*\n/g) ?? []) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  return { fields, body: mime.subarray(end) };
}

test('aligned DKIM under p=reject: the bytes go unchanged, and the signature still verifies as the target gets it', async (t) => {
  const signed = await dkimSignedMime(sampleMime({ latin1Body: true, from: 'Bob <bob@example.net>' }), { domain: 'example.net' });
  const { send, dns, deliveries } = await relay(t, { dns: { ...REJECT, ...signed.records } });
  const sent = await send(signed.mime);
  assert.ok(sent.mime?.equals(signed.mime), 'the message bytes changed');
  assert.deepEqual(deliveries[0]?.dmarc, { action: 'keep', reason: 'aligned-dkim', domain: 'example.net', policy: 'reject' });
  // Google's forwarding headers travel as h: options, added by Mailgun outside the signed bytes.
  assert.deepEqual(sent.fields['h:X-Forwarded-To'], [TARGET]);
  assert.deepEqual(sent.fields['h:X-Forwarded-For'], [`${ALIAS} ${TARGET}`]);
  assert.deepEqual(await verifyDkim(deliveredMime(sent), dnsResolver([dns.address])), { result: 'pass', comment: null });
});

test('no DKIM under p=reject: only the header block changes — From ours, Reply-To and X-Original-From the sender', async (t) => {
  const { send, app, deliveries } = await relay(t, { dns: REJECT });
  const original = sampleMime({ latin1Body: true, from: 'Bob <bob@example.net>' });
  const sent = await send(original);

  const before = split(original);
  const after = split(sent.mime as Buffer);
  assert.ok(after.body.equals(before.body), 'the body changed');
  const expected = before.fields.flatMap((f) => (/^From:/i.test(f) ? [`From: ${RELAY_FROM}\r\n`, `X-Original-From${f.slice(4)}`, `Reply-To${f.slice(4)}`] : [f]));
  assert.deepEqual(after.fields, expected);
  assert.deepEqual(deliveries[0]?.dmarc, { action: 'rewrite', reason: 'no-aligned-dkim', domain: 'example.net', policy: 'reject' });

  const metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(metrics.value('plus_relay_dmarc_rewrites_total', { policy: 'reject' }), 1);
  assert.equal(metrics.value('plus_relay_dmarc_dns_failures_total'), 0);
});

test('a third-party signature (not aligned with From) under p=reject does not carry DMARC: rewritten', async (t) => {
  const signed = await dkimSignedMime(sampleMime({ from: 'Bob <bob@example.net>' }), { domain: 'mailer.example.com' });
  const { send, dns, deliveries } = await relay(t, { dns: { ...REJECT, ...signed.records } });
  assert.equal((await verifyDkim(signed.mime, dnsResolver([dns.address]))).result, 'pass', 'the third-party signature itself verifies');
  const sent = await send(signed.mime);
  assert.match(sent.mime?.toString('latin1') ?? '', new RegExp(`^From: ${RELAY_FROM.replace(/[()]/g, '\\$&')}\r$`, 'm'));
  assert.deepEqual(deliveries[0]?.dmarc, { action: 'rewrite', reason: 'no-aligned-dkim', domain: 'example.net', policy: 'reject' });
});

test('p=quarantine is enforced like p=reject; p=none and no record at all leave the bytes alone', async (t) => {
  const cases: Array<[TxtRecords, string, string | null, 'keep' | 'rewrite']> = [
    [{ '_dmarc.example.net': ['v=DMARC1; p=quarantine'] }, 'no-aligned-dkim', 'quarantine', 'rewrite'],
    [{ '_dmarc.example.net': ['v=DMARC1; p=none; rua=mailto:r@example.net'] }, 'not-enforced', 'none', 'keep'],
    [{}, 'no-policy', null, 'keep'],
  ];
  for (const [records, reason, policy, action] of cases) {
    const { send, deliveries } = await relay(t, { dns: records });
    const original = sampleMime({ from: 'Bob <bob@example.net>' });
    const sent = await send(original);
    assert.deepEqual(deliveries[0]?.dmarc, { action, reason, domain: 'example.net', policy }, JSON.stringify(records));
    assert.equal(sent.mime?.equals(original), action === 'keep', JSON.stringify(records));
  }
});

test('DNS answering SERVFAIL, or not at all: forwarded unchanged with 200 (never a 5xx), logged and counted', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } });
  const { send, app, dns, deliveries } = await relay(t, { dns: REJECT, dmarc: { timeoutMs: 500 }, app: { logger: { level: 'info', stream } } });
  const original = sampleMime({ from: 'Bob <bob@example.net>' });

  dns.mode = 'servfail';
  assert.ok((await send(original)).mime?.equals(original));
  dns.mode = 'silent';
  const second = sampleMime({ from: 'Bob <bob@example.net>', messageId: '<second@example.net>' });
  assert.ok((await send(second)).mime?.equals(second));

  assert.deepEqual(deliveries.map((d) => [d.outcome, d.dmarc?.action, d.dmarc?.reason]), [['forwarded', 'keep', 'dns-error'], ['forwarded', 'keep', 'dns-error']]);
  assert.match(deliveries[1]?.dmarc?.detail ?? '', /timed out|500 ms/);
  const logged = lines.map((l) => JSON.parse(l) as { msg?: string; dmarc?: { reason?: string } }).filter((l) => l.msg === 'delivery');
  assert.deepEqual(logged.map((l) => l.dmarc?.reason), ['dns-error', 'dns-error']);
  const metrics = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(metrics.value('plus_relay_dmarc_dns_failures_total'), 2);
});

test('a burst from one sender costs one DMARC lookup; the answer is used for a bounded time only', async (t) => {
  const clock = testClock();
  const { app, api, dns } = await relay(t, { dns: REJECT, clock });
  const message = (n: number) => sampleMime({ from: 'Bob <bob@example.net>', messageId: `<burst.${n}@example.net>` });
  const burst = await Promise.all([1, 2, 3, 4, 5].map((n) => postRaw(app, message(n))));
  for (const n of [6, 7]) burst.push(await postRaw(app, message(n)));
  assert.deepEqual(burst.map((r) => r.statusCode), [200, 200, 200, 200, 200, 200, 200]);
  assert.equal(api.sent.length, 7);
  assert.ok(api.sent.every((s) => s.mime?.toString('latin1').includes(`From: ${RELAY_FROM}`)), 'every message was rewritten');
  assert.equal(dns.asked('_dmarc.example.net'), 1);

  clock.offsetMs += 11 * 60_000;
  assert.equal((await postRaw(app, message(8))).statusCode, 200);
  assert.equal(dns.asked('_dmarc.example.net'), 2, 'asked again once the cached answer is old');
});

test('parsed mode is not checked: no DNS lookup, From is the relay address as before', async (t) => {
  const { app, api, dns } = await relay(t, { dns: REJECT });
  const block = freshSignatureBlock(SIGNING_KEY);
  const body = parsedUrlencoded([...sampleMessage({ recipient: ALIAS }).fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(dns.questions, []);
  assert.deepEqual(api.sent[0]?.fields.from, [RELAY_FROM]);
  assert.deepEqual(api.sent[0]?.fields['h:X-Forwarded-For'], [`${ALIAS} ${TARGET}`]);
});
