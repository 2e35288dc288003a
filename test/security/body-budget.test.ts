// MAX_INFLIGHT_BYTES: request body bytes held at once across all requests. A declared body is reserved whole
// before a byte of it is read; a chunked one reserves as it arrives. Whatever cannot be reserved gets 503
// (Mailgun retries); a body that could never fit (over MAX_BODY_BYTES) gets 406 first, so it is not retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { build } from '../helpers/build.js';
import { rawPost, until, type RawPost } from '../helpers/raw-post.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const MiB = 1024 * 1024;
const FORM = 'application/x-www-form-urlencoded';

async function listening(t: Parameters<typeof build>[0], env: Record<string, string>): Promise<string> {
  const { app } = await build(t, { env });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

test('a chunked body reserves as it arrives and is refused (503) where the budget runs out; over MAX_BODY_BYTES is 406 first', async (t) => {
  const url = await listening(t, { MAX_BODY_BYTES: String(4 * MiB), MAX_INFLIGHT_BYTES: String(4 * MiB) });
  const posts: RawPost[] = [];
  try {
    const holder = await rawPost(url, '/mailgun/inbound', { 'content-type': FORM, 'content-length': String(3 * MiB) });
    posts.push(holder);
    await holder.send(Buffer.from('body-plain='));

    const chunked = await rawPost(url, '/mailgun/inbound', { 'content-type': FORM, 'transfer-encoding': 'chunked' });
    posts.push(chunked);
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    for (let i = 0; i < 16 && chunked.status() === null; i++) await chunked.send(framed);
    await until(() => chunked.status() !== null, 15_000);
    assert.equal(chunked.status(), 503, chunked.response() || 'no answer');
    assert.match(chunked.response(), /PLUS_RELAY_INFLIGHT_FULL/);

    // Refused mid-body, its client still connected: what it had reserved came back with the answer. A whole
    // 1 MiB post fits beside the holder again (read, then refused for its missing signature: not a 503).
    const body = Buffer.concat([Buffer.from('body-plain='), Buffer.alloc(MiB - 11, 0x61)]);
    const next = await rawPost(url, '/mailgun/inbound', { 'content-type': FORM, 'content-length': String(body.length) });
    posts.push(next);
    await next.send(body);
    await until(() => next.status() !== null, 15_000);
    assert.equal(next.status(), 401, next.response() || 'no answer');

    // Declared over MAX_BODY_BYTES: refused for good at once, even though the budget is also full.
    const huge = await rawPost(url, '/mailgun/inbound', { 'content-type': FORM, 'content-length': String(5 * MiB) });
    posts.push(huge);
    await until(() => huge.status() !== null, 15_000);
    assert.equal(huge.status(), 406, huge.response() || 'no answer');
    assert.match(huge.response(), /MAX_BODY_BYTES/);
  } finally {
    for (const post of posts) post.socket.destroy();
  }
});

test('MAX_INFLIGHT_BYTES below MAX_BODY_BYTES is refused at boot: the largest message could never be admitted', () => {
  assert.throws(() => loadConfig({ MAX_BODY_BYTES: String(64 * MiB), MAX_INFLIGHT_BYTES: String(32 * MiB) }), (err: unknown) => err instanceof ConfigError && /MAX_INFLIGHT_BYTES/.test(err.message));
  const config = loadConfig({});
  assert.equal(config.env.MAX_INFLIGHT_BYTES, 192 * MiB);
});
