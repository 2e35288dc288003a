// The admin page in a real browser: open it with the token, see the leaked alias flagged, click Block, and the
// next message to that alias is refused (406, nothing sent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, testClock } from '../helpers/build.js';
import { ADMIN_TOKEN } from '../helpers/admin.js';
import { launchChromium } from '../helpers/browser.js';
import { mail, post } from '../helpers/mail.js';

const DAY = 86_400_000;
const RULES = `domains: [destroy.systems]
leaks: {learn: 7d}
users:
  owner: "me+{service}@gmail.com"
rules:
  - match: "{service}"
    user: owner
`;

test('open the page, see the leaked alias flagged, block it, and its next message is refused', { timeout: 120_000 }, async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const clock = testClock();
  const { app, api } = await build(t, { env: { ADMIN_TOKEN }, clock, rules: RULES });
  await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }));
  await post(app, mail('shop@destroy.systems', { from: 'Shop <orders@shop.example>', clock }));
  clock.offsetMs += 10 * DAY;
  await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }));
  await post(app, mail('github@destroy.systems', { from: 'Cheap Pills <offers@cheap-pills.example>', clock }));
  assert.equal(api.sent.length, 4);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const opened = await page.goto(`${base}/admin`);
  assert.equal(opened?.status(), 200);
  assert.equal(await page.title(), 'plus-relay · aliases');

  const github = page.locator('tr', { has: page.locator('.address', { hasText: 'github@destroy.systems' }) });
  const shop = page.locator('tr', { has: page.locator('.address', { hasText: 'shop@destroy.systems' }) });
  assert.equal(await github.locator('.badge.leak').textContent(), 'leaked');
  assert.equal(await github.locator('mark.new').textContent(), 'cheap-pills.example');
  assert.equal(await shop.locator('.badge.leak').count(), 0, 'an alias without a new sender is not flagged');
  if (process.env.ADMIN_SCREENSHOT) await page.screenshot({ path: process.env.ADMIN_SCREENSHOT, fullPage: true });

  await page.getByRole('button', { name: 'Block github@destroy.systems' }).click();
  await page.waitForURL(/\/admin\?done=block/);
  assert.match((await page.locator('.notice').textContent()) ?? '', /Blocked github@destroy\.systems/);
  assert.equal(await github.locator('.badge.blocked').count(), 1);
  assert.equal(await github.getByRole('button').textContent(), 'Unblock');

  const refused = await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }));
  assert.equal(refused.statusCode, 406);
  assert.equal(api.sent.length, 4, 'nothing sent to the blocked alias');
  assert.equal((await post(app, mail('shop@destroy.systems', { clock }))).statusCode, 200, 'other aliases are untouched');
  await context.close();
});
