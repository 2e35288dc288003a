// The page as markup: every value escaped, security headers, one form token per form, and the leaks-only view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, testClock } from '../helpers/build.js';
import { ADMIN_TOKEN, adminPost, basic } from '../helpers/admin.js';
import { mail, post } from '../helpers/mail.js';
import { formToken } from '../../src/admin/auth.js';

test('addresses are escaped wherever they appear; the page carries its security headers and form tokens', async (t) => {
  const { app } = await build(t, { env: { ADMIN_TOKEN } });
  const hostile = "a&b'c=d`{x}@destroy.systems";
  assert.equal((await adminPost(app, hostile)).statusCode, 200);
  const res = await app.inject({ method: 'GET', url: '/admin', headers: basic() });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.ok(!res.body.includes("a&b'c"), 'never raw');
  assert.ok(res.body.includes('a&amp;b&#39;c=d`{x}@destroy.systems'), 'escaped in text and attributes');
  assert.ok(res.body.includes(`/admin/aliases/${encodeURIComponent(hostile).replace(/'/g, '&#39;')}/block`), 'the form posts to the API the CLI uses');
  assert.ok(!/<script/i.test(res.body), 'no script at all');
  const forms = res.body.match(/<form /g)?.length ?? 0;
  const tokens = res.body.split(`name="csrf" value="${formToken(ADMIN_TOKEN)}"`).length - 1;
  assert.equal(tokens, forms, 'every form carries the form token');

  const notice = await app.inject({ method: 'GET', url: `/admin?done=block&address=${encodeURIComponent('<img src=x onerror=alert(1)>')}`, headers: basic() });
  assert.ok(!notice.body.includes('<img'), 'the notice is escaped too');
});

test('?leaks=1 shows only aliases with a new sender; a form post to add redirects back to the page', async (t) => {
  const clock = testClock();
  const { app } = await build(t, { env: { ADMIN_TOKEN }, clock, rules: 'domains: [destroy.systems]\nleaks: {learn: 0s}\nusers:\n  me: "me+{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: me\n' });
  await post(app, mail('quiet@destroy.systems', { clock }));
  await post(app, mail('leaky@destroy.systems', { clock }));
  await post(app, mail('leaky@destroy.systems', { from: 'X <x@spam.example>', clock }));
  const only = await app.inject({ method: 'GET', url: '/admin?leaks=1', headers: basic() });
  assert.ok(only.body.includes('leaky@destroy.systems'));
  assert.ok(!only.body.includes('quiet@destroy.systems'));
  const added = await app.inject({
    method: 'POST',
    url: '/admin/aliases',
    headers: { ...basic(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ csrf: formToken(ADMIN_TOKEN), address: ' Planned@Destroy.Systems ' }).toString(),
  });
  assert.equal(added.statusCode, 303, added.body);
  const back = await app.inject({ method: 'GET', url: String(added.headers.location), headers: basic() });
  assert.match(back.body, /Added planned@destroy\.systems/);
  const bad = await app.inject({
    method: 'POST',
    url: '/admin/aliases',
    headers: { ...basic(), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: new URLSearchParams({ csrf: formToken(ADMIN_TOKEN), address: 'x@elsewhere.example' }).toString(),
  });
  assert.equal(bad.statusCode, 400);
  assert.match(String(bad.headers['content-type']), /text\/html/);
  assert.match(bad.body, /elsewhere\.example is not one of the relay&#39;s domains/);
});
