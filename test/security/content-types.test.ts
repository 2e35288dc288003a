// Only the two forms Mailgun posts are read on the inbound routes. Anything else is refused with 415 before its
// body is read: a JSON body used to be parsed in full first (and answered 406), so a client could make the relay
// read and hold whatever it declared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { build } from '../helpers/build.js';
import { rawPost, until } from '../helpers/raw-post.js';

const MiB = 1024 * 1024;

test('JSON, text and other types get 415 at once on both routes, their declared 60 MiB never read', async (t) => {
  const { app, api } = await build(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  for (const [path, type] of [
    ['/mailgun/inbound', 'application/json'],
    ['/mailgun/inbound/mime', 'text/plain; charset=utf-8'],
    ['/mailgun/inbound', 'application/octet-stream'],
  ] as const) {
    const post = await rawPost(url, path, { 'content-type': type, 'content-length': String(60 * MiB) });
    try {
      await post.send(Buffer.from('{"recipient": "github@destroy.systems", "body-plain": "'));
      // Not a timing target: the old code never answered before the whole body had arrived.
      await until(() => post.status() !== null, 15_000);
      assert.equal(post.status(), 415, `${type}: ${post.response() || 'no answer while the body was still owed'}`);
      assert.ok(post.answeredEarly(), 'answered before the body was sent');
      assert.match(post.response(), /PLUS_RELAY_UNSUPPORTED_MEDIA_TYPE/);
    } finally {
      post.socket.destroy();
    }
  }
  assert.equal(api.sent.length, 0);
});

test('small bodies of other types and posts without a type are 415; malformed forms are still 406', async (t) => {
  const { app } = await build(t);
  for (const headers of [{ 'content-type': 'application/json' }, { 'content-type': 'text/plain' }, {}]) {
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: '{"recipient":"github@destroy.systems"}', headers });
    assert.equal(res.statusCode, 415, `${JSON.stringify(headers)}: ${res.body}`);
  }
  const empty = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime' });
  assert.equal(empty.statusCode, 415, empty.body);
  for (const [type, payload] of [['multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb'], ['multipart/form-data', 'no boundary']]) {
    const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload, headers: { 'content-type': type } });
    assert.equal(res.statusCode, 406, `${type}: ${res.body}`);
  }
});
