// What an unsigned post to /mailgun/events may cost. Mailgun's event signature sits inside the JSON body, so the
// body must be read and parsed before anyone is known: over 64 KiB it is refused from its Content-Length, unread
// (413); nesting deeper than 32 levels is refused by a scan of the bytes, before any parse (406); only then is the
// JSON parsed, the signature checked, and the event read. An unsigned event flood costs no more CPU than an
// unsigned inbound flood of the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { parseExposition } from '../helpers/prometheus.js';
import { eventPost, failedEvent, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const ALIAS = 'github@destroy.systems';
const TARGET = 'personalemail+github@gmail.com';
const JSON_TYPE = 'application/json';

/** `[[[…]]]`, `bytes` long: JSON that parses into as many nested arrays. */
const brackets = (bytes: number) => `${'['.repeat(bytes / 2)}${']'.repeat(bytes / 2)}`;

/** Sends the headers and the first bytes of a body declared `declared` bytes long, and waits for an answer. */
function answerBeforeBody(port: number, declared: number, first: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ port, method: 'POST', path: '/mailgun/events', headers: { 'content-type': JSON_TYPE, 'content-length': declared } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error('no answer while the rest of the body was still to come: the relay waited to read it')));
    req.write(first);
  });
}

test('an unsigned 1 MiB [[[…]]] is answered 413 from its Content-Length, before its body arrives; a real event just under 64 KiB still passes', async (t) => {
  const { app, events } = await build(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;

  assert.equal(await answerBeforeBody(port, MiB, '[[[['), 413);

  const whole = await fetch(`http://127.0.0.1:${port}/mailgun/events`, { method: 'POST', body: brackets(MiB), headers: { 'content-type': JSON_TYPE } });
  assert.equal(whole.status, 413);
  assert.deepEqual(await whole.json(), { status: 'too-large', message: `body over ${64 * KiB} bytes` });

  // A signed event padded to just over, and to just under, the limit: only size decides.
  const padded = (bytes: number) => {
    const base = eventPost(SIGNING_KEY, { ...failedEvent({ recipient: TARGET, alias: ALIAS }), pad: '' });
    return base.payload.replace('"pad":""', `"pad":"${'x'.repeat(bytes - base.payload.length)}"`);
  };
  const over = await app.inject({ method: 'POST', url: '/mailgun/events', payload: padded(64 * KiB + 1), headers: { 'content-type': JSON_TYPE } });
  assert.equal(over.statusCode, 413, over.body);
  const under = await app.inject({ method: 'POST', url: '/mailgun/events', payload: padded(64 * KiB), headers: { 'content-type': JSON_TYPE } });
  assert.equal(under.statusCode, 200, under.body);
  assert.equal(under.json().status, 'recorded');

  const m = parseExposition((await app.inject({ method: 'GET', url: '/metrics' })).body);
  assert.equal(m.value('plus_relay_events_total', { outcome: 'too-large' }), 3, 'each refused body is counted');
  assert.deepEqual(events.map((e) => e.outcome), ['too-large', 'too-large', 'too-large', 'recorded']);
});

test('nesting deeper than 32 levels is refused 406 by a scan of the bytes, signed or not; 32 levels, and brackets inside strings, pass', async (t) => {
  const { app } = await build(t);
  const post = (payload: string) => app.inject({ method: 'POST', url: '/mailgun/events', payload, headers: { 'content-type': JSON_TYPE } });
  // A signed, otherwise real failure whose user variables nest `levels` deep in all (the body's own object is level 1).
  const nested = (levels: number) => {
    const post = eventPost(SIGNING_KEY, { ...failedEvent({ recipient: TARGET, alias: ALIAS }), deep: 'HERE' });
    return post.payload.replace('"HERE"', `${'{"a":'.repeat(levels - 2)}1${'}'.repeat(levels - 2)}`);
  };

  const unsigned = await post(brackets(60 * KiB));
  assert.equal(unsigned.statusCode, 406, unsigned.body);
  assert.deepEqual(unsigned.json(), { status: 'bad-input', message: 'event JSON nested deeper than 32 levels' });
  const signed = await post(nested(33));
  assert.equal(signed.statusCode, 406, signed.body);
  assert.equal(signed.json().message, 'event JSON nested deeper than 32 levels');

  assert.equal((await post(nested(32))).statusCode, 200);
  const inStrings = eventPost(SIGNING_KEY, { ...failedEvent({ recipient: TARGET, alias: ALIAS }), note: `[{"\\"${'['.repeat(5000)}` });
  assert.equal((await post(inStrings.payload)).statusCode, 200, 'brackets (and escaped quotes) inside a string do not nest');
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});

test('an unsigned event flood costs no more CPU than an unsigned inbound flood of the same bytes', async (t) => {
  const { app } = await build(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const post = async (path: string, body: string, type: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body, headers: { 'content-type': type } });
    await res.arrayBuffer();
    return res.status;
  };
  const inbound = (bytes: number) => {
    const form = parsedUrlencoded([...sampleMessage({ recipient: ALIAS }).fields.filter(([name]) => name !== 'body-plain'), ['body-plain', 'x'.repeat(bytes)]]);
    return () => post('/mailgun/inbound', form.payload.toString(), form.headers['content-type'] ?? '');
  };
  const event = (bytes: number) => {
    const body = brackets(bytes);
    return () => post('/mailgun/events', body, JSON_TYPE);
  };
  // CPU time of this process (the relay and its client both): the client's share is the same for both floods.
  const cpuMs = async (send: () => Promise<number>, n: number) => {
    await send();
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) await send();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  for (const [bytes, n] of [[MiB, 15], [60 * KiB, 60]] as const) {
    assert.equal(await inbound(bytes)(), 401);
    assert.ok([406, 413].includes(await event(bytes)()));
    const inboundMs = await cpuMs(inbound(bytes), n);
    const eventMs = await cpuMs(event(bytes), n);
    t.diagnostic(`${bytes} bytes: ${(eventMs / n).toFixed(2)} ms CPU per unsigned event post, ${(inboundMs / n).toFixed(2)} per unsigned inbound post`);
    assert.ok(eventMs <= inboundMs * 1.5, `${bytes} bytes: events ${eventMs.toFixed(1)} ms vs inbound ${inboundMs.toFixed(1)} ms CPU for ${n} posts`);
  }
});
