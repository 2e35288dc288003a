// Two relay instances sharing one Redis and one Mailgun API stand-in: they must behave as one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SIGNING_KEY, type Built } from '../helpers/build.js';
import { twoInstances } from '../helpers/instances.js';
import { ownRedis, sharedRedis, untilHealthy } from '../helpers/redis.js';
import { isSend } from '../support/mailgun-api.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';

type Fields = Array<readonly [string, string]>;

function signed(recipient: string, messageId = `<${randomUUID()}@mail.example.net>`): Fields {
  const fields = sampleMessage({ recipient }).fields.map(([n, v]): readonly [string, string] =>
    n === 'message-headers' ? [n, v.replace('<CAF=bob.1234@mail.example.net>', messageId)] : [n, v],
  );
  const block = freshSignatureBlock(SIGNING_KEY);
  return [...fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
}
function resign(fields: Fields): Fields {
  const block = freshSignatureBlock(SIGNING_KEY);
  return [...fields.filter(([n]) => !['timestamp', 'token', 'signature'].includes(n)), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
}
function post(instance: Built, fields: Fields) {
  const body = parsedUrlencoded(fields);
  return instance.app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
}

test('the same signed delivery posted to both instances at the same moment is sent once', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const { a, b, api } = await twoInstances(t, url);
  for (let round = 0; round < 5; round++) {
    // A slow send keeps the first claim in flight while the second instance tries.
    api.failWhen(isSend, { kind: 'delay', ms: 150 }, 1);
    const fields = signed(`svc${round}@destroy.systems`);
    const answers = await Promise.all([post(a, fields), post(b, fields), post(a, fields), post(b, fields)]);
    assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200, 200], answers.map((r) => r.body).join('\n'));
    assert.equal(answers.filter((r) => r.json().status === 'forwarded').length, 1, 'exactly one answer is the send');
  }
  assert.equal(api.sent.length, 5);
  assert.deepEqual(new Set(api.sent.map((s) => s.to[0])).size, 5);
});

test('the same Message-Id under a new token is not resent to a target, whichever instance gets it', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const { a, b, api } = await twoInstances(t, url);
  const first = signed('github@destroy.systems');
  assert.equal((await post(a, first)).statusCode, 200);
  const again = await post(b, resign(first));
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().status, 'duplicate');
  assert.equal(api.sent.length, 1);
});

test('one message sent to two of our addresses reaches both targets (and each once)', async (t) => {
  const url = await sharedRedis(t);
  if (!url) return;
  const { a, b, api } = await twoInstances(t, url);
  const id = `<${randomUUID()}@mail.example.net>`;
  const toGithub = signed('github@destroy.systems', id);
  const toGitlab = signed('gitlab@destroy.systems', id);
  const answers = await Promise.all([post(a, toGithub), post(b, toGitlab), post(b, resign(toGithub)), post(a, resign(toGitlab))]);
  assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200, 200]);
  assert.deepEqual(api.sent.map((s) => s.to[0]).sort(), ['personalemail+github@gmail.com', 'personalemail+gitlab@gmail.com']);
});

test('Redis down: both instances answer 503 and send nothing; Redis back: the retry delivers exactly once', async (t) => {
  const redis = await ownRedis(t);
  if (!redis) return;
  const { a, b, api } = await twoInstances(t, redis.url);
  assert.equal((await post(a, signed('before@destroy.systems'))).statusCode, 200);
  assert.equal(api.sent.length, 1);

  await redis.kill();
  const fields = signed('github@destroy.systems');
  for (const instance of [a, b, a]) {
    const started = Date.now();
    const res = await post(instance, fields);
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json().status, 'store-unavailable');
    assert.ok(Date.now() - started < 2000, `answered in ${Date.now() - started} ms`);
  }
  assert.equal(api.sent.length, 1, 'nothing sent while Redis is down');
  const health = await a.app.inject('/healthz');
  assert.equal(health.statusCode, 503);
  assert.equal(health.json().status, 'degraded');
  assert.deepEqual(health.json().store, { kind: 'redis', ok: false }, 'the reason goes to the log, not to the public answer');

  await redis.restart();
  await untilHealthy(a.store, 8000);
  await untilHealthy(b.store, 8000);
  assert.equal((await a.app.inject('/healthz')).statusCode, 200);
  // Mailgun's retry: the same signature block, to either instance, several times.
  const retries = await Promise.all([post(b, fields), post(a, fields)]);
  assert.deepEqual(retries.map((r) => r.statusCode), [200, 200]);
  assert.equal((await post(b, fields)).statusCode, 200);
  assert.equal(api.sent.filter((s) => s.to[0] === 'personalemail+github@gmail.com').length, 1);
  assert.equal(api.sent.length, 2);
});

test('Redis dies while a send is in flight: 503, and the retry after Redis is back does not send again', async (t) => {
  const redis = await ownRedis(t);
  if (!redis) return;
  const { a, b, api } = await twoInstances(t, redis.url);
  api.failWhen(isSend, { kind: 'delay', ms: 300 }, 1);
  const fields = signed('github@destroy.systems');
  const inFlight = post(a, fields);
  // Kill Redis once the send has reached the API (held there for 300 ms), however long the steps before it took.
  while (api.requests === 0) await new Promise((r) => setTimeout(r, 5));
  await redis.kill();
  const res = await inFlight;
  assert.equal(res.statusCode, 503, res.body);
  assert.equal(api.sent.length, 1, 'the API accepted the send before the relay could record it');

  await redis.restart();
  await untilHealthy(a.store, 8000);
  await untilHealthy(b.store, 8000);
  await new Promise((r) => setTimeout(r, 100)); // the instance writes its unrecorded mark on reconnect
  const retry = await post(b, fields);
  assert.equal(retry.statusCode, 200, retry.body);
  assert.equal(retry.json().status, 'duplicate');
  assert.equal(api.sent.length, 1);
});
