// REQUEST_TIMEOUT_MS: a client that trickles its body (or its headers) cannot hold a connection, nor the share of
// the body budget it reserved, for longer than that. The app built by buildApp carries the limits, so the server
// main.ts listens on has them (app.inject does not run Node's timers: these tests listen).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { loadConfig } from '../../src/config.js';
import { rawPost, until, within } from '../helpers/raw-post.js';
import { freshSignatureBlock, rawModeFields, rawUrlencoded, sampleMessage, sampleMime } from '../support/fixtures.js';

const MiB = 1024 * 1024;
const FORM = 'application/x-www-form-urlencoded';

test('a trickling client is answered 408 and closed after REQUEST_TIMEOUT_MS, and its whole-budget reservation returned', async (t) => {
  const { app, api } = await build(t, { env: { REQUEST_TIMEOUT_MS: '2000', MAX_BODY_BYTES: String(MiB), MAX_INFLIGHT_BYTES: String(MiB) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const trickler = await rawPost(url, '/mailgun/inbound/mime', { 'content-type': FORM, 'content-length': String(MiB) });
  const other = await rawPost(url, '/mailgun/inbound/mime', { 'content-type': FORM, 'content-length': '1000' });
  try {
    await trickler.send(Buffer.from('body-mime='));
    const trickling = (async () => {
      while (await trickler.send(Buffer.from('a'))) await sleep(200);
    })();
    // While the trickler holds the whole budget, a post that needs any of it is told to come back later, unread.
    await until(() => other.status() !== null, 15_000);
    assert.equal(other.status(), 503, other.response() || 'no answer while its body was owed');
    assert.ok(other.answeredEarly());
    assert.match(other.response(), /PLUS_RELAY_INFLIGHT_FULL/);

    await within(trickler.closed, 30_000);
    assert.equal(trickler.status(), 408, trickler.response() || 'still open');
    await trickling;
  } finally {
    trickler.socket.destroy();
    other.socket.destroy();
  }

  // A signed post that needs (nearly) the whole budget goes through: the trickler's reservation came back.
  const block = freshSignatureBlock(SIGNING_KEY);
  const fields = [...rawModeFields(sampleMessage({ recipient: 'github@destroy.systems' })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]] as const;
  const body = rawUrlencoded(sampleMime({ text: 'x'.repeat(MiB - 16 * 1024), to: 'github@destroy.systems' }), fields);
  assert.ok(body.payload.length > 0.95 * MiB && body.payload.length <= MiB, `payload ${body.payload.length}`);
  const res = await fetch(`${url}/mailgun/inbound/mime`, { method: 'POST', body: body.payload, headers: body.headers });
  assert.equal(res.status, 200, await res.text());
  assert.equal(api.sent.length, 1);
});

test('a client that never finishes its headers is closed too (headers timeout); the default limit is 120 s', async (t) => {
  assert.equal(loadConfig({}).env.REQUEST_TIMEOUT_MS, 120_000);
  const { app } = await build(t, { env: { REQUEST_TIMEOUT_MS: '2000' } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  assert.deepEqual([app.server.requestTimeout, app.server.headersTimeout], [2000, 2000], 'the listening server carries both');
  const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
  socket.on('error', () => undefined);
  try {
    await once(socket, 'connect');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.write('POST /mailgun/inbound HTTP/1.1\r\nHost: relay\r\nContent-Type: ');
    assert.ok(await within(once(socket, 'close'), 30_000), 'still open after 30 s');
    assert.match(answer, /^HTTP\/1\.1 408/);
  } finally {
    socket.destroy();
  }
});
