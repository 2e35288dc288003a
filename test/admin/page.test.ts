// The admin page in a real browser: open it with the token, see the leaked alias flagged, click Block, and the
// next message to that alias is refused (406, nothing sent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, testClock, SIGNING_KEY } from '../helpers/build.js';
import { eventPost, failedEvent } from '../support/fixtures.js';
import { ADMIN_TOKEN, adminPost } from '../helpers/admin.js';
import { launchChromium, sidewaysScroll, styleOf } from '../helpers/browser.js';
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
  assert.equal(await github.getByRole('button', { name: /^(Block|Unblock) / }).textContent(), 'Unblock');

  const refused = await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }));
  assert.equal(refused.statusCode, 406);
  assert.equal(api.sent.length, 4, 'nothing sent to the blocked alias');
  assert.equal((await post(app, mail('shop@destroy.systems', { clock }))).statusCode, 200, 'other aliases are untouched');

  // Forget removes the entry altogether: the block, the counts, the senders.
  await github.getByRole('button', { name: 'Forget github@destroy.systems' }).click();
  await page.waitForURL(/\/admin\?done=forget/);
  assert.match((await page.locator('.notice').textContent()) ?? '', /github@destroy\.systems is forgotten/);
  assert.equal(await github.count(), 0, 'its row is gone');
  assert.equal((await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }))).statusCode, 200, 'no block left behind');
  await context.close();
});

// The page as a person uses it, on a phone (390 px) and a laptop (1280 px): nothing scrolls sideways, Block is in
// reach, every alias shows where its mail goes, dates stay on one line, the filter box and the pages work without
// script, an alias the rules refuse offers no Block, and a refused add comes back styled with what was typed.
const WIDE_RULES = `domains: [destroy.systems]
leaks: {learn: 7d}
users:
  owner: "me+{service}@gmail.com"
rules:
  - match: "old-*"
    reject: true
  - match: "{service}"
    user: owner
`;
const LONG = 'a-very-long-alias-for-a-newsletter-with-a-long-name-and-more@destroy.systems';
const FILLER = 520; // past one page of 500

test('the page at 390 px and 1280 px: no sideways scroll, targets, one-line dates, filter, pages, quiet Block, styled errors', { timeout: 240_000 }, async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const clock = testClock();
  const { app } = await build(t, { env: { ADMIN_TOKEN }, clock, rules: WIDE_RULES });
  for (let i = 0; i < FILLER; i++) assert.equal((await adminPost(app, `filler${String(i).padStart(3, '0')}@destroy.systems`)).statusCode, 200);
  assert.equal((await adminPost(app, 'old-shop@destroy.systems')).statusCode, 200);
  clock.offsetMs += 1000;
  await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }));
  // Gmail refused that forward (DMARC): why must be readable on a phone, where nothing hovers.
  const event = eventPost(SIGNING_KEY, failedEvent({ recipient: 'me+github@gmail.com', alias: 'github@destroy.systems' }));
  assert.equal((await app.inject({ method: 'POST', url: '/mailgun/events', payload: event.payload, headers: event.headers })).json().status, 'recorded');
  await post(app, mail(LONG, { from: 'News <news@a-long-sender-domain-name-for-newsletters.example>', clock }));
  clock.offsetMs += 10 * DAY;
  await post(app, mail('github@destroy.systems', { from: 'Cheap Pills <offers@cheap-pills.example>', clock }));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  for (const width of [390, 1280]) {
    const context = await browser.newContext({ viewport: { width, height: 844 }, httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const sideways = () => sidewaysScroll(page);
    const row = (address: string) => page.locator('tr', { has: page.locator('.address', { hasText: address }) });

    assert.equal((await page.goto(`${base}/admin`))?.status(), 200);
    assert.ok((await sideways()) <= 0, `${width} px: the page is ${await sideways()} px wider than the screen`);
    const github = row('github@destroy.systems');
    assert.equal(await github.locator('.target').textContent(), 'me+github@gmail.com', 'the target the rules send it to');
    const block = github.getByRole('button', { name: 'Block github@destroy.systems' });
    const box = await block.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= width, `${width} px: Block at ${JSON.stringify(box)}`);
    const background = (selector: string) => styleOf(page.locator(selector), 'background-color');
    assert.equal(await background('button.block'), 'rgba(0, 0, 0, 0)', 'Block is an outline, quieter than the filled leak badge');
    assert.notEqual(await background('.badge.leak'), 'rgba(0, 0, 0, 0)');
    const dates = await github.locator('time').evaluateAll((times) => times.map((time) => time.getClientRects().length));
    assert.deepEqual(dates, [1, 1], 'first and last seen, each on one line');
    const reason = github.locator('.reason');
    assert.ok(await reason.isVisible(), `${width} px: the failure's reason is on the page`);
    assert.match((await reason.textContent()) ?? '', /^550 5\.7\.26 .*DMARC/);
    const reasonBox = await reason.boundingBox();
    assert.ok(reasonBox && reasonBox.x >= 0 && reasonBox.x + reasonBox.width <= width, `${width} px: the reason at ${JSON.stringify(reasonBox)}`);
    if (width === 1280) {
      // Room enough: every address and target on one line, none broken at its @.
      const lines = await page.locator('tbody .address, tbody .target, tbody .failure-target').evaluateAll((els) => els.map((e) => [e.textContent, e.getClientRects().length]));
      assert.deepEqual(lines.filter(([text, n]) => n !== 1 && !String(text).includes('a-very-long-alias')), [], 'addresses that break at 1280 px');
    }
    await page.screenshot({ path: `/tmp/admin-page-${width}.png`, fullPage: false });

    const refused = row('old-shop@destroy.systems');
    assert.match((await refused.textContent()) ?? '', /refused \(reject-rule, rule 0\)/);
    assert.equal(await refused.getByRole('button', { name: /^Block / }).count(), 0, 'no Block on an alias the rules refuse already');

    // The pages: 500 aliases, then the rest; every row once.
    assert.equal(await page.locator('tbody tr').count(), 500);
    await page.getByRole('link', { name: 'Older →' }).click();
    await page.waitForURL(/\/admin\?page=2$/);
    assert.equal(await page.locator('tbody tr').count(), FILLER + 3 - 500);
    assert.equal(await page.locator('.address', { hasText: 'filler000@destroy.systems' }).count(), 1, 'the oldest alias is on the last page');
    assert.ok((await sideways()) <= 0);
    await page.locator('nav.pages').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `/tmp/admin-page-${width}-page2.png` });

    // The filter box: a GET form, answered by the server; it matches the address, a target or a sender domain.
    await page.getByRole('searchbox').fill('PILLS');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\/admin\?q=PILLS$/);
    assert.deepEqual(await page.locator('tbody .address').allTextContents(), ['github@destroy.systems']);
    assert.equal(await page.getByRole('searchbox').inputValue(), 'PILLS', 'the filter box keeps what was typed');
    await page.goto(`${base}/admin?q=filler05`);
    assert.equal(await page.locator('tbody tr').count(), 10);
    await page.goto(`${base}/admin?q=filler`);
    assert.equal(await page.locator('tbody tr').count(), 500, 'a filter matching more than a page is paged too');
    await page.getByRole('link', { name: 'Older →' }).click();
    await page.waitForURL(/\/admin\?q=filler&page=2$/);
    assert.equal(await page.locator('tbody tr').count(), FILLER - 500);
    await page.goto(`${base}/admin?q=nothing-like-this`);
    assert.match((await page.locator('body').textContent()) ?? '', /No aliases match “nothing-like-this”/);

    // A refused add: the page again, styled, the address as typed in the box and the reason beside it.
    await page.goto(`${base}/admin`);
    await page.getByLabel('Add an alias ahead of time').fill('planned@elsewhere.example');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForURL(/\/admin\/aliases$/);
    assert.equal(await page.getByLabel('Add an alias ahead of time').inputValue(), 'planned@elsewhere.example');
    assert.match((await page.locator('#add-error').textContent()) ?? '', /elsewhere\.example is not one of the relay's domains/);
    assert.equal(await styleOf(page.locator('#add-error'), 'color'), 'rgb(185, 28, 28)', 'styled: the stylesheet applies');
    assert.ok((await sideways()) <= 0);
    await page.screenshot({ path: `/tmp/admin-page-${width}-refused.png` });

    // Any other refusal is a page in the same look, with the way back.
    const bad = await page.goto(`${base}/admin?page=0`);
    assert.equal(bad?.status(), 400);
    assert.equal(await styleOf(page.locator('.problem'), 'border-left-style'), 'solid');
    assert.ok((await sideways()) <= 0);
    await context.close();
  }
});

// A description is text a password manager (or whoever holds its token) wrote: a right-to-left override would show
// `moc.lapyap` as `paypal.com`, a zero-width space would hide inside a name. The page shows each as its code point.
test('a description with a right-to-left override and zero-width characters is shown as it is, never as it would render', { timeout: 120_000 }, async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const { app } = await build(t, { env: { ADMIN_TOKEN }, rules: RULES });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const description = 'Website: \u202Emoc.lapyap\u202C pay\u200B\uFEFFpal\u2066';
  const added = await fetch(`${base}/admin/aliases`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ address: 'paypal@destroy.systems', description }),
  });
  assert.equal(added.status, 200, await added.text());

  const html = await (await fetch(`${base}/admin`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
  assert.doesNotMatch(html, /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\uFEFF]/u, 'no invisible character reaches the page');

  const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${base}/admin`);
  const shown = await page.locator('tr', { has: page.locator('.address', { hasText: 'paypal@destroy.systems' }) }).locator('.description').innerText();
  assert.equal(shown, 'Website: ⟨U+202E⟩moc.lapyap⟨U+202C⟩ pay⟨U+200B⟩⟨U+FEFF⟩pal⟨U+2066⟩');
  assert.ok(!shown.includes('paypal.com'));
  await context.close();
});
