// Every forward names its alias in the Mailgun user variable `v:plus-relay-alias`, so the events Mailgun sends about
// that forward (a bounce, a suppression) can be tied back to the address it was sent for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { freshSignatureBlock, parsedPayload, rawModeFields, rawUrlencoded, sampleMessage, sampleMime } from '../support/fixtures.js';

test('raw mode: each target’s messages.mime send carries v:plus-relay-alias, lower-cased', async (t) => {
  const { app, api } = await build(t);
  const block = freshSignatureBlock(SIGNING_KEY);
  const recipient = 'Family+School@Destroy.Systems';
  const body = rawUrlencoded(sampleMime(), [...rawModeFields(sampleMessage({ recipient })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(api.sent.length, 2);
  for (const sent of api.sent) {
    assert.equal(sent.endpoint, 'mime');
    assert.deepEqual(sent.fields['v:plus-relay-alias'], ['family+school@destroy.systems'], sent.to.join());
  }
});

test('parsed mode: the messages send carries v:plus-relay-alias', async (t) => {
  const { app, api } = await build(t);
  const body = parsedPayload(sampleMessage({ recipient: 'GitHub@destroy.systems', signingKey: SIGNING_KEY }));
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(api.sent[0]?.endpoint, 'parsed');
  assert.deepEqual(api.sent[0]?.fields['v:plus-relay-alias'], ['github@destroy.systems']);
});
