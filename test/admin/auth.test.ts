// Who may use /admin: nobody without ADMIN_TOKEN set; with it, Bearer or Basic (token as password), compared in
// constant time; a browser's change must carry the page's form token and not come from another site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';
import { formToken } from '../../src/admin/auth.js';
import { ADMIN_TOKEN, aliases, basic, bearer } from '../helpers/admin.js';
const form = (fields: Record<string, string>) => ({ payload: new URLSearchParams(fields).toString(), ct: { 'content-type': 'application/x-www-form-urlencoded' } });

test('without ADMIN_TOKEN every /admin path answers 404, whatever the credentials', async (t) => {
  const { app } = await build(t);
  for (const [method, url] of [['GET', '/admin'], ['GET', '/admin/'], ['GET', '/admin/aliases'], ['POST', '/admin/aliases/x@destroy.systems'], ['POST', '/admin/aliases/x@destroy.systems/block'], ['GET', '/admin/anything']] as const) {
    for (const headers of [{}, bearer(), basic()]) {
      const res = await app.inject({ method, url, headers });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
    }
  }
});

test('a missing or wrong token is 401 with a Basic challenge; Bearer and Basic (any user name) with the token pass', async (t) => {
  const { app } = await build(t, { env: { ADMIN_TOKEN } });
  const wrong = [
    {},
    bearer('admin-token-0123456789abcdeX'),
    bearer(ADMIN_TOKEN.slice(0, -1)),
    bearer(`${ADMIN_TOKEN}x`),
    { authorization: ADMIN_TOKEN },
    { authorization: `Token ${ADMIN_TOKEN}` },
    basic('nope'),
    basic(''),
    { authorization: `Basic ${Buffer.from(ADMIN_TOKEN).toString('base64')}` },
    { authorization: 'Basic !!!' },
  ];
  for (const url of ['/admin', '/admin/aliases']) {
    for (const headers of wrong) {
      const res = await app.inject({ method: 'GET', url, headers });
      assert.equal(res.statusCode, 401, `${url} ${JSON.stringify(headers)}`);
      assert.match(String(res.headers['www-authenticate']), /^Basic realm="plus-relay admin"/);
      assert.ok(!res.body.includes(ADMIN_TOKEN));
    }
    for (const headers of [bearer(), { authorization: `bearer ${ADMIN_TOKEN}` }, basic(), basic(ADMIN_TOKEN, ''), basic(ADMIN_TOKEN, 'anyone')]) {
      const res = await app.inject({ method: 'GET', url, headers });
      assert.equal(res.statusCode, 200, `${url} ${JSON.stringify(headers)}: ${res.body}`);
    }
  }
  const post = await app.inject({ method: 'POST', url: '/admin/aliases/x@destroy.systems/block', headers: bearer('wrong-token-0123456789') });
  assert.equal(post.statusCode, 401);
  assert.deepEqual(await aliases(app, '?address=x@destroy.systems'), [], 'nothing was blocked');
});

test('the token is checked before the body is read: an unauthenticated huge body is 401, not parsed', async (t) => {
  const { app } = await build(t, { env: { ADMIN_TOKEN } });
  const res = await app.inject({ method: 'POST', url: '/admin/aliases/x@destroy.systems/block', headers: { 'content-type': 'application/json' }, payload: Buffer.alloc(1024 * 1024, 0x20) });
  assert.equal(res.statusCode, 401);
});

test('a browser (Basic) changes nothing without the form token, nor from another site; the API (Bearer) needs neither', async (t) => {
  const { app } = await build(t, { env: { ADMIN_TOKEN } });
  const url = '/admin/aliases/shop@destroy.systems/block';
  const csrf = formToken(ADMIN_TOKEN);
  const blocked = async () => (await aliases(app, '?address=shop@destroy.systems'))[0]?.blocked ?? false;

  // What a hostile page can make a logged-in browser send: a form post, credentials attached, no token.
  for (const body of [form({}), form({ csrf: 'guess' }), form({ csrf: formToken('another-token-0123456789') })]) {
    const res = await app.inject({ method: 'POST', url, headers: { ...basic(), ...body.ct, origin: 'https://evil.example' }, payload: body.payload });
    assert.equal(res.statusCode, 403, res.body);
  }
  const noToken = await app.inject({ method: 'POST', url, headers: basic() });
  assert.equal(noToken.statusCode, 403, 'Basic without a form token, even with no Origin');
  const crossSite = await app.inject({ method: 'POST', url, headers: { ...basic(), ...form({}).ct, origin: 'https://evil.example' }, payload: form({ csrf }).payload });
  assert.equal(crossSite.statusCode, 403, 'the right token from another origin');
  const fetchMeta = await app.inject({ method: 'POST', url, headers: { ...basic(), ...form({}).ct, 'sec-fetch-site': 'cross-site' }, payload: form({ csrf }).payload });
  assert.equal(fetchMeta.statusCode, 403);
  assert.equal(await blocked(), false);

  // The page's own form: same origin, the token → done, and back to the page.
  const own = await app.inject({ method: 'POST', url, headers: { ...basic(), ...form({}).ct, host: 'relay.example', origin: 'https://relay.example', 'sec-fetch-site': 'same-origin' }, payload: form({ csrf }).payload });
  assert.equal(own.statusCode, 303, own.body);
  assert.equal(own.headers.location, '/admin?done=block&address=shop%40destroy.systems');
  assert.equal(await blocked(), true);

  // The CLI: Bearer, no body, JSON back. From another origin it is refused too.
  const api = await app.inject({ method: 'POST', url: '/admin/aliases/shop@destroy.systems/unblock', headers: bearer() });
  assert.equal(api.statusCode, 200);
  assert.equal(api.json().alias.blocked, false);
  const apiCross = await app.inject({ method: 'POST', url, headers: { ...bearer(), origin: 'https://evil.example' } });
  assert.equal(apiCross.statusCode, 403);
  assert.equal(await blocked(), false);
});
