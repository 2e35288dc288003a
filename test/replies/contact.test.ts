// Writing first from an alias: `plus-relay contact` (and POST /admin/contacts) gives the address to write to; the
// owner's signed mail to it leaves as the alias to the contact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, basic, bearer } from '../helpers/admin.js';
import { formToken } from '../../src/admin/auth.js';
import { recordingIO } from '../helpers/cli-io.js';
import { gmailSigned, replyRelay, REPLY_RULES } from '../helpers/replies.js';
import { contact } from '../../src/cli/contact.js';

test('contact prints the reply address first; the owner writes to it and the mail leaves as the alias', async (t) => {
  const relay = await replyRelay(t, { env: { ADMIN_TOKEN } });
  const { io, out, err } = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await contact(['Shop@alice.dev', 'Support@Shop.example', '--url', relay.url], io), 0, err.join('\n'));
  assert.equal(out.length, 1);
  const replyAddress = out[0]?.split(/\s/)[0] ?? '';
  assert.match(replyAddress, /^r=[a-z2-7]{26}@alice\.dev$/);
  assert.equal((await relay.store.replies.find(replyAddress.slice(2, 28)))?.pinned, true, 'asked for by the owner: kept');

  // The API gives the same address for the same pair.
  const res = await fetch(`${relay.url}/admin/contacts`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ alias: 'shop@alice.dev', address: 'support@shop.example' }) });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { reply_address: replyAddress });

  const sent = await relay.post(await gmailSigned(replyAddress, relay), replyAddress);
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  assert.deepEqual(relay.api.sent[0]?.to, ['support@shop.example']);
  assert.match(relay.api.sent[0]?.mime?.toString('latin1') ?? '', /^From: shop@alice\.dev\r$/m);
});

test('refused with the reason: replies off, a foreign domain, no address', async (t) => {
  const relay = await replyRelay(t, { env: { ADMIN_TOKEN }, rules: REPLY_RULES.replace('replies: true\n', '') });
  const cases: Array<[string[], RegExp]> = [
    [['shop@alice.dev', 'support@shop.example'], /replies are off for shop@alice\.dev/],
    [['shop@elsewhere.example', 'support@shop.example'], /not one of the relay's domains/],
    [['shop@alice.dev', 'not an address'], /not one plain address/],
  ];
  for (const [args, message] of cases) {
    const { io, out, err } = recordingIO('/', { ADMIN_TOKEN });
    assert.equal(await contact([...args, '--url', relay.url], io), 1, args.join(' '));
    assert.deepEqual(out, []);
    assert.match(err.join('\n'), message);
  }
  const { io, err } = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await contact(['shop@alice.dev', '--url', relay.url], io), 2);
  assert.match(err.join('\n'), /expected an alias and an address/);
});

test('the admin page offers the same: its form posts to /admin/contacts and answers with the address', async (t) => {
  const relay = await replyRelay(t, { env: { ADMIN_TOKEN } });
  const page = await (await fetch(`${relay.url}/admin`, { headers: basic() })).text();
  assert.match(page, /<form class="add" method="post" action="\/admin\/contacts">/);
  const body = new URLSearchParams({ csrf: formToken(ADMIN_TOKEN), alias: 'shop@alice.dev', address: 'support@shop.example' });
  const res = await fetch(`${relay.url}/admin/contacts`, { method: 'POST', headers: { ...basic(), 'content-type': 'application/x-www-form-urlencoded' }, body });
  assert.equal(res.status, 200);
  const html = await res.text();
  const shown = /<code class="address">(r=[a-z2-7]{26}@alice\.dev)<\/code>/.exec(html)?.[1];
  assert.ok(shown, html);
  assert.equal((await relay.store.replies.find(shown.slice(2, 28)))?.contact, 'support@shop.example');
});
