// The page as markup: every value escaped, security headers, one form token per form, and the leaks-only view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, testClock } from '../helpers/build.js';
import { ADMIN_TOKEN, adminPost, aliases, basic, bearer } from '../helpers/admin.js';
import { mail, post } from '../helpers/mail.js';
import { formToken } from '../../src/admin/auth.js';

test('addresses are escaped wherever they appear; the page carries its security headers and form tokens', async (t) => {
  const { app } = await build(t, { env: { ADMIN_TOKEN } });
  const hostile = "a&b'c=d`{x}@destroy.systems";
  // Blocked, so its row has a form (Unblock) even though the rules refuse it (no rule matches its local part).
  assert.equal((await adminPost(app, hostile, 'block')).statusCode, 200);
  const res = await app.inject({ method: 'GET', url: '/admin', headers: basic() });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.match(String(res.headers['content-security-policy']), /default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.ok(!res.body.includes("a&b'c"), 'never raw');
  assert.ok(res.body.includes('a&amp;b&#39;c=d`{x}@destroy.systems'), 'escaped in text and attributes');
  assert.ok(res.body.includes(`/admin/aliases/${encodeURIComponent(hostile).replace(/'/g, '&#39;')}/unblock`), 'the form posts to the API the CLI uses');
  assert.match(res.body, /<strong>refused<\/strong> <span class="muted">\(no-rule\)<\/span>/, 'its target: what the rules decide');
  assert.ok(!/<script/i.test(res.body), 'no script at all');
  const forms = res.body.match(/<form [^>]*method="post"/g)?.length ?? 0;
  const tokens = res.body.split(`name="csrf" value="${formToken(ADMIN_TOKEN)}"`).length - 1;
  assert.equal(tokens, forms, 'every form that posts carries the form token');
  assert.match(res.body, /<form class="filter" method="get" action="\/admin" role="search">(?:(?!csrf)[\s\S])*?<\/form>/, 'the filter form does not (it would put the token in the address bar)');

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

test('a refused add from the page comes back as the page, styled, with what was typed (escaped) and the reason', async (t) => {
  const { app } = await build(t, { env: { ADMIN_TOKEN } });
  const typed = '"><img src=x onerror=alert(1)>@elsewhere.example';
  const res = await app.inject({
    method: 'POST',
    url: '/admin/aliases',
    headers: { ...basic(), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    payload: new URLSearchParams({ csrf: formToken(ADMIN_TOKEN), address: typed }).toString(),
  });
  assert.equal(res.statusCode, 400);
  assert.match(String(res.headers['content-security-policy']), /style-src 'sha256-/, 'the page headers, so its stylesheet applies');
  assert.ok(!res.body.includes('<img'), 'what was typed is escaped');
  assert.match(res.body, /name="address" required value="&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;@elsewhere\.example"/);
  assert.match(res.body, /<p class="error" id="add-error" role="alert">&quot;\\&quot;&gt;&lt;img .* is not one plain address/);
  assert.match(res.body, /aria-invalid="true" aria-describedby="add-error"/);
  assert.equal((await aliases(app)).length, 0, 'nothing was added');

  const api = await app.inject({ method: 'POST', url: '/admin/aliases', headers: { ...bearer(), 'content-type': 'application/json' }, payload: { address: typed } });
  assert.equal(api.statusCode, 400, 'the API still answers JSON');
  assert.equal(api.json().code, 'PLUS_RELAY_ADMIN_BAD_INPUT');

  const page = await app.inject({ method: 'GET', url: '/admin?page=x', headers: { ...basic(), accept: 'text/html' } });
  assert.equal(page.statusCode, 400);
  assert.match(page.body, /<style>[\s\S]*<p class="problem" role="alert">page must be a whole number from 1 to 34<\/p>/);
  assert.match(page.body, /<a href="\/admin">Back to the aliases<\/a>/);
});
