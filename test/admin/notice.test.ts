// The line the page shows after a form post comes from the query (`/admin?done=block&address=…`), which anyone can
// put in a link. It names an action only by the table's own keys, and says only what the store confirms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from '../helpers/build.js';
import { ADMIN_TOKEN, adminPost, basic } from '../helpers/admin.js';

const SHOP = 'shop@destroy.systems';

test('done=__proto__ and other inherited names are no action: the page answers 200 without a notice', async (t) => {
  const { app } = await build(t, { env: { ADMIN_TOKEN } });
  for (const done of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    const res = await app.inject({ method: 'GET', url: `/admin?done=${done}&address=${SHOP}`, headers: basic() });
    assert.equal(res.statusCode, 200, `${done}: ${res.body.slice(0, 200)}`);
    assert.ok(!res.body.includes('class="notice"'), done);
  }
  const twice = await app.inject({ method: 'GET', url: `/admin?done=block&done=block&address=${SHOP}`, headers: basic() });
  assert.equal(twice.statusCode, 200);
});

test('a crafted link cannot make the page claim an action the store does not show', async (t) => {
  const { app } = await build(t, { env: { ADMIN_TOKEN } });
  const notice = async (query: string) => {
    const res = await app.inject({ method: 'GET', url: `/admin?${query}`, headers: basic() });
    assert.equal(res.statusCode, 200);
    return /<p class="notice"[^>]*>([^<]*)<\/p>/.exec(res.body)?.[1] ?? null;
  };
  assert.equal((await adminPost(app, SHOP)).statusCode, 200, 'added ahead of time, not blocked');

  assert.equal(await notice(`done=block&address=${SHOP}`), null, 'not blocked: no "Blocked"');
  assert.equal(await notice('done=add&address=never@destroy.systems'), null, 'never added: no "Added"');
  assert.equal(await notice('done=block&address=someone@elsewhere.example'), null, 'not an alias of the relay');

  assert.equal((await adminPost(app, SHOP, 'block')).statusCode, 200);
  assert.equal(await notice(`done=block&address=${encodeURIComponent('Shop@Destroy.Systems')}`), `Blocked ${SHOP}: its mail is refused (406, nothing sent) from the next message on.`);
  assert.equal(await notice(`done=unblock&address=${SHOP}`), null, 'still blocked: no word of unblocking');
  assert.equal((await adminPost(app, SHOP, 'unblock')).statusCode, 200);
  assert.equal(await notice(`done=unblock&address=${SHOP}`), `${SHOP} is not blocked: it receives mail.`);
  assert.equal(await notice(`done=add&address=${SHOP}`), `Added ${SHOP}: it receives mail even with new_aliases: reject.`);
  // Nothing was ever resent (the page's own Resend flow, with the failure log's confirmation: test/resend/page.test.ts).
  assert.equal(await notice(`done=resend&address=${SHOP}`), null, 'never resent: no "Resent"');
});
