// A Mailgun signature block signs only its timestamp and token, never the body: whoever holds one used block can
// put any body under it. The relay keeps one replay store for every signed endpoint: a block first used on a route
// post is worthless on /mailgun/events, and one first used on an event forwards nothing. Each endpoint's own retry
// still works: Mailgun retries a route post with its original block, and that retry must still be delivered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { eventPost, failedEvent, freshSignatureBlock, parsedUrlencoded, sampleMessage, SUPPRESSED } from '../support/fixtures.js';
import type { SignatureBlock } from '../../src/inbound/signature.js';

const ALIAS = 'github@destroy.systems';
const TARGET = 'personalemail+github@gmail.com';

function messageForm(block: SignatureBlock, subject = 'hello') {
  const fields = [...sampleMessage({ recipient: ALIAS, subject }).fields, ['timestamp', block.timestamp] as const, ['token', block.token] as const, ['signature', block.signature] as const];
  return parsedUrlencoded(fields);
}

async function listening(t: Parameters<typeof build>[0]) {
  const built = await build(t);
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = built.app.server.address() as AddressInfo;
  const post = async (path: string, body: { payload: string | Buffer; headers: Record<string, string> }) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: body.payload, headers: body.headers });
    return { status: res.status, body: (await res.json()) as { status: string; message: string } };
  };
  return { ...built, post };
}

test('a route post’s block, replayed on /mailgun/events, records nothing and removes no bounce', async (t) => {
  const { post, api } = await listening(t);
  const block = freshSignatureBlock(SIGNING_KEY);
  const forwarded = await post('/mailgun/inbound', messageForm(block));
  assert.equal(forwarded.status, 200);
  assert.equal(forwarded.body.status, 'forwarded');
  api.suppressions.push({ domain: 'destroy.systems', list: 'bounces', address: TARGET, code: '550', error: '550 5.7.26 unauthenticated (DMARC)', created_at: 'Mon, 01 Jan 2024 00:00:00 UTC' });

  const replayed = await post('/mailgun/events', eventPost(SIGNING_KEY, failedEvent({ recipient: TARGET, alias: ALIAS, status: SUPPRESSED, reason: 'suppress-bounce' }), block));
  assert.notEqual(replayed.body.status, 'recorded', JSON.stringify(replayed.body));
  assert.equal(replayed.status, 401, JSON.stringify(replayed.body));
  assert.equal(api.suppressions.length, 1, 'the bounce is still listed');

  // A fresh block for the same event is recorded: only the replay is refused.
  const fresh = await post('/mailgun/events', eventPost(SIGNING_KEY, failedEvent({ recipient: TARGET, alias: ALIAS, status: SUPPRESSED, reason: 'suppress-bounce' })));
  assert.equal(fresh.body.status, 'recorded', JSON.stringify(fresh.body));
});

test('an event’s block carries no message: a route post under it is refused and nothing is forwarded', async (t) => {
  const { post, api } = await listening(t);
  const block = freshSignatureBlock(SIGNING_KEY);
  const recorded = await post('/mailgun/events', eventPost(SIGNING_KEY, failedEvent({ recipient: TARGET, alias: ALIAS }), block));
  assert.equal(recorded.body.status, 'recorded');

  const replayed = await post('/mailgun/inbound', messageForm(block, 'planted'));
  assert.equal(replayed.status, 401, JSON.stringify(replayed.body));
  assert.equal(api.sent.length, 0, 'nothing forwarded');
  const mime = await post('/mailgun/inbound/mime', messageForm(block, 'planted again'));
  assert.equal(mime.status, 401);
  assert.equal(api.sent.length, 0);
});

test('each endpoint keeps its own retries: a route post that failed (5xx) is delivered when Mailgun retries it with the original block', async (t) => {
  const { post, api } = await listening(t);
  const block = freshSignatureBlock(SIGNING_KEY);
  api.failNext({ kind: 'status', status: 500 });
  const held = await post('/mailgun/inbound', messageForm(block));
  assert.ok(held.status >= 500, JSON.stringify(held.body));
  const retried = await post('/mailgun/inbound', messageForm(block));
  assert.equal(retried.status, 200, JSON.stringify(retried.body));
  assert.equal(retried.body.status, 'forwarded');
  // Still worthless on the other endpoint afterwards, and a second replay on its own endpoint sends nothing.
  assert.equal((await post('/mailgun/events', eventPost(SIGNING_KEY, failedEvent({ recipient: TARGET, alias: ALIAS }), block))).status, 401);
  assert.equal((await post('/mailgun/inbound', messageForm(block))).body.status, 'duplicate');
  assert.equal(api.sent.length, 1);
});
