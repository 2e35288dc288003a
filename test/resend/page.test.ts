// The admin page in a real browser: a failed forward shows its id and a Resend button; clicking it (a form post with
// the page's csrf token) sends the stored message again, and the row then says when it was resent. A failure with no
// stored message shows its id but no button. Without the page's form token, Basic credentials change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, basic } from '../helpers/admin.js';
import { launchChromium } from '../helpers/browser.js';
import { DOMAIN, refusedForward, relay } from './helpers.js';

test('click Resend on the page: the stored message goes out again, and the row says it was resent', { timeout: 120_000 }, async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const r = await relay(t);
  const bank = await refusedForward(r, 'bank', 'stored');
  const old = await refusedForward(r, 'old', 'none');
  const base = await r.app.listen({ host: '127.0.0.1', port: 0 });
  const before = r.api.sent.length;

  // A cross-site form (no csrf token) with the browser's Basic credentials: refused, nothing sent.
  const forged = await r.app.inject({ method: 'POST', url: `/admin/failures/${bank.id}/resend`, headers: { ...basic(), 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
  assert.equal(forged.statusCode, 403);
  assert.equal(r.api.sent.length, before);

  const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  assert.equal((await page.goto(`${base}/admin`))?.status(), 200);
  const row = (local: string) => page.locator('tr', { has: page.locator('.address', { hasText: `${local}@${DOMAIN}` }) });
  assert.equal(await row('bank').locator('code').textContent(), bank.id);
  assert.equal(await row('old').locator('code').textContent(), old.id);
  assert.equal(await row('old').getByRole('button', { name: /Resend/ }).count(), 0, 'nothing stored, nothing to resend');

  await row('bank').getByRole('button', { name: `Resend the failed forward to ${bank.target}` }).click();
  await page.waitForURL(/\/admin\?done=resend/);
  assert.match((await page.locator('.notice').textContent()) ?? '', /Resent the failed forward of bank@destroy\.systems/);
  assert.equal(r.api.sent.length, before + 1);
  assert.ok(r.api.sent.at(-1)?.mime?.equals(bank.stored));
  assert.match((await row('bank').textContent()) ?? '', /resent \d{4}-\d\d-\d\d \d\d:\d\d/);
  assert.equal(await row('bank').getByRole('button', { name: /Resend/ }).count(), 0, 'once per failure: no second button');
  await context.close();
});

test('without MAILGUN_API_KEY the page offers no Resend, and says why; the failure\'s reason is on the page, not in a tooltip', async (t) => {
  const r = await relay(t, { storedMessages: false });
  const bank = await refusedForward(r, 'bank', 'stored');
  const page = await r.app.inject({ method: 'GET', url: '/admin', headers: basic() });
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /<button[^>]*class="resend"/);
  assert.match(page.body, /Resend needs MAILGUN_API_KEY: without it the relay cannot fetch Mailgun's stored message/);
  assert.match(page.body, new RegExp(`id <code>${bank.id}</code>`));
  assert.match(page.body, /<div class="reason">550 5\.7\.26 [^<]*DMARC/);
  assert.doesNotMatch(page.body, /title="[^"]*5\.7\.26/);
});
