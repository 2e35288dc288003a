// Failed forwards show in the alias inventory: `failed` and the last failure, in GET /admin/aliases and on the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { ADMIN_TOKEN, aliases, basic } from '../helpers/admin.js';
import { eventPost, failedEvent, freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';

test('a bounced forward is counted on its alias in the inventory, with the last failure; other aliases show none', async (t) => {
  const { app, api } = await build(t, { env: { ADMIN_TOKEN } });
  for (const recipient of ['github@destroy.systems', 'shop@destroy.systems']) {
    const block = freshSignatureBlock(SIGNING_KEY);
    const body = parsedUrlencoded([...sampleMessage({ recipient }).fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
    assert.equal((await app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers })).statusCode, 200);
  }
  const github = api.sent.find((s) => s.fields['v:plus-relay-alias']?.[0] === 'github@destroy.systems');
  const event = eventPost(SIGNING_KEY, failedEvent({ recipient: github?.to[0] ?? '', alias: 'github@destroy.systems' }));
  assert.equal((await app.inject({ method: 'POST', url: '/mailgun/events', payload: event.payload, headers: event.headers })).json().status, 'recorded');

  const listed = new Map((await aliases(app)).map((a) => [a.address, a]));
  assert.equal(listed.get('github@destroy.systems')?.failed, 1);
  assert.deepEqual(
    { ...(listed.get('github@destroy.systems')?.lastFailure as Record<string, unknown>), at: 'x', message: 'x', id: 'x' },
    { reason: 'bounce', severity: 'permanent', code: 550, target: 'personalemail+github@gmail.com', at: 'x', message: 'x', id: 'x', stored: false, resent: null },
  );
  assert.equal(listed.get('shop@destroy.systems')?.failed, 0);
  assert.equal(listed.get('shop@destroy.systems')?.lastFailure, null);

  const page = await app.inject({ method: 'GET', url: '/admin', headers: basic() });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /last: permanent bounce to <span class="failure-target">personalemail\+github@gmail\.com<\/span>/);
});
