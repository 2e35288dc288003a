// Point 1 of the hardening issue: a Message-Id alone does not make two messages the same. A planted or
// reused id must not swallow the real message; a redelivery of the same message stays exactly-once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { freshSignatureBlock, parsedPayload, rawModeFields, rawUrlencoded, sampleMessage, sampleMime } from '../support/fixtures.js';

const GITHUB_ID = '<octo/repo/issues/42@github.com>';

function parsedPost(subject: string, body: string, block = freshSignatureBlock(SIGNING_KEY)) {
  const sample = sampleMessage({ recipient: 'github@destroy.systems', subject, bodyPlain: body });
  const headers = JSON.parse(sample.fields.find(([n]) => n === 'message-headers')?.[1] ?? '[]') as Array<[string, string]>;
  const withId = headers.map(([n, v]): [string, string] => [n, n === 'Message-Id' ? GITHUB_ID : v]);
  const fields = sample.fields.map(([n, v]) => [n, n === 'message-headers' ? JSON.stringify(withId) : v] as const);
  return parsedPayload({ fields: [...fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]], files: [] });
}

function rawPost(subject: string, block = freshSignatureBlock(SIGNING_KEY)) {
  const mime = sampleMime({ to: 'github@destroy.systems', subject, messageId: GITHUB_ID });
  const fields = rawModeFields(sampleMessage({ recipient: 'github@destroy.systems', subject }));
  return rawUrlencoded(mime, [...fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
}

test('parsed mode: a different message with a planted Message-Id is still forwarded; the same message again is not', async (t) => {
  const { app, api } = await build(t);
  const post = (p: ReturnType<typeof parsedPost>) => app.inject({ method: 'POST', url: '/mailgun/inbound', payload: p.payload, headers: p.headers });

  const planted = await post(parsedPost('cheap pills', 'buy now'));
  assert.equal(planted.json().status, 'forwarded');
  const real = await post(parsedPost('[octo/repo] Issue #42', 'A new comment on issue 42'));
  assert.equal(real.statusCode, 200);
  assert.equal(real.json().status, 'forwarded', 'the real message with the same Message-Id reaches the target');
  assert.deepEqual(api.sent.map((s) => s.fields.subject?.[0]), ['cheap pills', '[octo/repo] Issue #42']);

  const redelivered = await post(parsedPost('[octo/repo] Issue #42', 'A new comment on issue 42'));
  assert.equal(redelivered.json().status, 'duplicate', 'the same message under a new token is not sent twice');
  assert.equal(api.sent.length, 2);
});

test('raw mode: same Message-Id, different bytes → both forwarded; same bytes under a new token → once', async (t) => {
  const { app, api } = await build(t);
  const post = (p: ReturnType<typeof rawPost>) => app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: p.payload, headers: p.headers });
  assert.equal((await post(rawPost('planted'))).json().status, 'forwarded');
  assert.equal((await post(rawPost('the real one'))).json().status, 'forwarded');
  assert.equal((await post(rawPost('the real one'))).json().status, 'duplicate');
  assert.equal(api.sent.length, 2);
});
