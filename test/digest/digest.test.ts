// Issue 17 part 3: once a day, each user gets one message about their aliases — the leaks, the failed forwards, the
// refused mail — through Mailgun, or none when nothing happened; once per day whoever asks and however often.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIGNING_KEY } from '../helpers/build.js';
import { ADMIN_TOKEN, basic, bearer } from '../helpers/admin.js';
import { LEVEL } from '../helpers/log-sink.js';
import { mail, post } from '../helpers/mail.js';
import { eventPost, failedEvent, freshSignatureBlock, MISSING_MAILBOX } from '../support/fixtures.js';
import type { Clock } from '../../src/clock.js';
import type { FastifyInstance } from 'fastify';
import { DAY, digestRelay, MORNING, sendDigest, statuses } from './helpers.js';

/** Mailgun reports that a forward of `alias` to `target` failed (a signed event webhook post, on the relay's clock). */
async function failed(app: FastifyInstance, clock: Clock, alias: string, target: string, status = {}) {
  const event = eventPost(SIGNING_KEY, failedEvent({ recipient: target, alias, ...status }), freshSignatureBlock(SIGNING_KEY, new Date(clock.now())));
  const res = await app.inject({ method: 'POST', url: '/mailgun/events', payload: event.payload, headers: event.headers });
  assert.equal(res.statusCode, 200, res.body);
}

/** A week ago github@ heard from github.com; today from a domain it never knew (a leak), and partner.bank@'s forward bounced. */
async function eventfulDay(app: FastifyInstance, clock: Clock & { offsetMs: number }) {
  assert.equal((await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }))).statusCode, 200);
  assert.equal((await post(app, mail('shop@destroy.systems', { from: 'Shop <news@shop.example>', clock }))).statusCode, 200);
  clock.offsetMs += 8 * DAY;
  assert.equal((await post(app, mail('github@destroy.systems', { from: 'Pills <x@cheap-pills.example>', clock }))).statusCode, 200);
  assert.equal((await post(app, mail('shop@destroy.systems', { from: 'Shop <news@shop.example>', clock }))).statusCode, 200);
  assert.equal((await post(app, mail('partner.bank@destroy.systems', { from: 'Bank <info@bank.example>', clock }))).statusCode, 200);
  await failed(app, clock, 'partner.bank@destroy.systems', 'partner+bank@fastmail.com');
}

test('leaks and failed forwards: one digest per user who had either, with what happened, through Mailgun; asked twice the same day, sent once', async (t) => {
  const { app, api, clock } = await digestRelay(t, MORNING - 8 * DAY);
  await eventfulDay(app, clock);
  const forwards = api.sent.length;

  const first = await sendDigest(app);
  assert.equal(first.date, '2026-12-03');
  assert.deepEqual(statuses(first), {
    'owner personalemail+plus-relay@gmail.com': 'sent',
    'partner partner+plus-relay@fastmail.com': 'sent',
    family: 'nothing',
  });
  const digests = api.sent.slice(forwards);
  assert.deepEqual(digests.map((m) => m.to), [['personalemail+plus-relay@gmail.com'], ['partner+plus-relay@fastmail.com']]);
  const [owner, partner] = digests;
  assert.equal(owner?.fields.subject?.[0], 'plus-relay digest 2026-12-03: 1 leak');
  const ownerText = owner?.fields.text?.[0] ?? '';
  assert.match(ownerText, /Leaks: 1 alias heard from a new sender domain\n {2}github@destroy\.systems: cheap-pills\.example\n/);
  assert.doesNotMatch(ownerText, /shop@|github\.com|partner/, 'only what is new, only this user\'s aliases');
  assert.match(owner?.fields.html?.[0] ?? '', /<li>github@destroy\.systems: cheap-pills\.example<\/li>/);
  // The relay's own transport: its loop mark, tracking off.
  assert.equal(owner?.fields['h:X-Plus-Relay']?.[0], 'destroy.systems');
  assert.equal(owner?.fields['o:tracking']?.[0], 'no');
  assert.match(owner?.fields.from?.[0] ?? '', /<relay@destroy\.systems>$/);

  assert.equal(partner?.fields.subject?.[0], 'plus-relay digest 2026-12-03: 1 failed forward');
  assert.match(partner?.fields.text?.[0] ?? '', /Failed forwards: 1 alias\n {2}partner\.bank@destroy\.systems → partner\+bank@fastmail\.com: permanent bounce 550 "5\.7\.26 Unauthenticated/);

  // The impatient ask again, and the schedule's own run comes later the same day: nothing more is sent.
  const again = await sendDigest(app);
  assert.deepEqual(statuses(again), {
    'owner personalemail+plus-relay@gmail.com': 'already-sent',
    'partner partner+plus-relay@fastmail.com': 'already-sent',
    family: 'nothing',
  });
  clock.offsetMs += 3 * 3600_000;
  assert.equal((await sendDigest(app)).digests.filter((d) => d.status === 'sent').length, 0);
  assert.equal(api.sent.length, forwards + 2);

  // A digest covers the 24 hours before it: a day later, yesterday's leak is not news.
  clock.offsetMs += 22 * 3600_000;
  assert.deepEqual(statuses(await sendDigest(app)), { owner: 'nothing', partner: 'nothing', family: 'nothing' });
});

test('nothing happened: no digest is sent, and the dry run says so', async (t) => {
  const { app, api, clock } = await digestRelay(t, MORNING - 8 * DAY);
  // Mail that only continues what was already known: no leak, no failure.
  await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }));
  clock.offsetMs += 8 * DAY;
  await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }));
  const forwards = api.sent.length;

  assert.deepEqual(statuses(await sendDigest(app)), { owner: 'nothing', partner: 'nothing', family: 'nothing' });
  const dry = await app.inject({ method: 'GET', url: '/admin/digest', headers: bearer() });
  assert.equal(dry.statusCode, 200);
  assert.deepEqual(dry.json().digests.map((d: { status: string }) => d.status), ['nothing', 'nothing', 'nothing']);
  assert.equal(api.sent.length, forwards);
});

test('a target failing right now gets no digest: a warning in the log and a line on the admin page; the other users get theirs', async (t) => {
  const { app, api, clock, log } = await digestRelay(t, MORNING - 8 * DAY);
  await eventfulDay(app, clock);
  // The owner's mailbox is gone (5.1.1 for another of their aliases): their digest would bounce too.
  await post(app, mail('shop@destroy.systems', { from: 'Shop <news@shop.example>', clock }));
  await failed(app, clock, 'shop@destroy.systems', 'personalemail+shop@gmail.com', { status: MISSING_MAILBOX });
  const forwards = api.sent.length;

  const answer = await sendDigest(app);
  const owner = answer.digests.find((d) => d.user === 'owner');
  assert.equal(owner?.status, 'skipped');
  assert.match(owner?.reason ?? '', /^personalemail\+plus-relay@gmail\.com is failing: permanent bounce 550 at /);
  assert.equal(answer.digests.find((d) => d.user === 'partner')?.status, 'sent');
  assert.deepEqual(api.sent.slice(forwards).map((m) => m.to[0]), ['partner+plus-relay@fastmail.com']);

  const warning = log.lines().find((l) => l.msg === 'digest not sent: its target is failing right now');
  assert.equal(warning?.level, LEVEL.warn);
  assert.equal(warning?.user, 'owner');

  const page = await app.inject({ method: 'GET', url: '/admin', headers: { ...basic(), accept: 'text/html' } });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<p class="problem">Digest of 2026-12-03 for owner not sent: personalemail\+plus-relay@gmail\.com is failing: permanent bounce 550 at [^<]+<\/p>/);
});

test('a failed send releases the claim: the next run sends it', async (t) => {
  const { app, api, clock, log } = await digestRelay(t, MORNING - 8 * DAY);
  await eventfulDay(app, clock);
  const forwards = api.sent.length;
  api.failNext({ kind: 'status', status: 500 }, 1);

  const first = await sendDigest(app);
  assert.equal(first.digests.find((d) => d.user === 'owner')?.status, 'failed');
  assert.ok(log.lines().some((l) => l.msg === 'digest not sent: the send failed; the next run retries' && l.level === LEVEL.error));
  const second = await sendDigest(app);
  assert.deepEqual(statuses(second), {
    'owner personalemail+plus-relay@gmail.com': 'sent',
    'partner partner+plus-relay@fastmail.com': 'already-sent',
    family: 'nothing',
  });
  assert.equal(api.sent.length, forwards + 2);
});

test('POST /admin/digest needs the admin token, and the digest on', async (t) => {
  const { app } = await digestRelay(t, MORNING);
  assert.equal((await app.inject({ method: 'POST', url: '/admin/digest' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'POST', url: '/admin/digest', headers: bearer('wrong-token-0123456789abcdef') })).statusCode, 401);

  const off = await digestRelay(t, MORNING, { rules: 'domains: [destroy.systems]\nusers:\n  me: "me+{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: me\n' });
  const res = await off.app.inject({ method: 'POST', url: '/admin/digest', headers: bearer(ADMIN_TOKEN) });
  assert.equal(res.statusCode, 409);
  assert.match(res.json().message, /the daily digest is off: set digest: \{at: "08:00", timezone: "Europe\/Berlin"\} in rules\.yaml/);
});

test('a leak behind 500 more recently mailed aliases is still in the digest (the inventory is read a page at a time)', async (t) => {
  const { app, api, store, clock } = await digestRelay(t, MORNING);
  const now = clock.now();
  await store.inventory.record({ address: 'github@destroy.systems', at: now - 2 * 3600_000, outcome: 'forwarded', senderDomain: 'cheap-pills.example', newSender: true });
  for (let i = 0; i < 520; i++) {
    await store.inventory.record({ address: `shop${i}@destroy.systems`, at: now - 3600_000 + i, outcome: 'forwarded', senderDomain: 'shop.example', newSender: false });
  }
  assert.deepEqual(statuses(await sendDigest(app)), { 'owner personalemail+plus-relay@gmail.com': 'sent', partner: 'nothing', family: 'nothing' });
  assert.match(api.sent[0]?.fields.text?.[0] ?? '', /github@destroy\.systems: cheap-pills\.example/);
});
