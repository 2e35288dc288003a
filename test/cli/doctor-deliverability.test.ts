// doctor, after the route: the sending domain's failure webhooks post to the relay, no rule target sits on its bounce
// or complaint list (--fix removes them), and the failures the relay recorded are listed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { doctor } from '../../src/cli/doctor.js';
import { setupRoute } from '../../src/cli/setup-route.js';
import { ROUTE_DESCRIPTION } from '../../src/cli/mailgun-client.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { failureId } from '../../src/store/failures.js';
import { systemClock } from '../../src/clock.js';
import { startMailgunApi, type MailgunApiOptions, type Suppression } from '../support/mailgun-api.js';
import { recordingIO } from '../helpers/cli-io.js';
import { tempDir } from '../helpers/temp-dir.js';

const KEY = 'key-doctor-deliverability';
const DOMAIN = 'destroy.systems';
const RELAY = 'https://relay.example/mailgun/inbound/mime';
const EVENTS = 'https://relay.example/mailgun/events';
const RULES = `domains: [${DOMAIN}]
users:
  me: "me+{service}@gmail.com"
  partner: "partner+{service}@fastmail.com"
rules:
  - match: "{user}+{service}"
  - match: "{service}"
    user: me
`;
const ROUTE = { id: 'r1', description: ROUTE_DESCRIPTION, expression: 'catch_all()', actions: [`forward("${RELAY}")`, 'stop()'], priority: 0, created_at: 'Mon, 01 Jan 2024 00:00:00 GMT' };
const REGISTERED = { [DOMAIN]: { permanent_fail: [EVENTS], temporary_fail: [EVENTS] } };

/** A folder with rules.yaml (and DATA_DIR inside it), where doctor runs as on the relay's machine. */
async function place(t: TestContext): Promise<string> {
  const dir = await tempDir(t, 'doctor');
  await writeFile(join(dir, 'rules.yaml'), RULES);
  return dir;
}

async function api(t: TestContext, options: MailgunApiOptions = {}) {
  const stand = await startMailgunApi({ key: KEY, routes: [ROUTE], ...options });
  t.after(() => stand.close());
  return stand;
}

async function run(cmd: typeof doctor, args: string[], stand: { url: string }, cwd: string) {
  const rec = recordingIO(cwd, { MAILGUN_API_KEY: KEY, MAILGUN_API_URL: stand.url, MAILGUN_DOMAIN: DOMAIN });
  return { code: await cmd(args, rec.io), ...rec };
}

function listed(list: Suppression['list'], address: string, error = '', code?: string): Suppression {
  return { domain: DOMAIN, list, address, ...(code ? { code } : {}), ...(list === 'bounces' ? { error } : {}), created_at: 'Tue, 10 Nov 2026 08:00:00 UTC' };
}

test('missing failure webhooks are a FAIL naming setup-route; after setup-route, doctor is content', async (t) => {
  const dir = await place(t);
  const stand = await api(t, { webhooks: { [DOMAIN]: { temporary_fail: ['https://old-app.fly.dev/mailgun/events'] } } });
  const before = await run(doctor, [], stand, dir);
  assert.equal(before.code, 1);
  assert.ok(before.out.includes(`FAIL  no permanent_fail webhook on ${DOMAIN}: the relay never hears of forwards that bounce or are refused`), before.all());
  assert.ok(before.out.includes(`FAIL  the temporary_fail webhook of ${DOMAIN} posts to https://old-app.fly.dev/mailgun/events, not to the relay (${EVENTS})`), before.all());
  assert.ok(before.out.includes(`      fix: plus-relay setup-route --url ${RELAY}`));

  assert.equal((await run(setupRoute, ['--url', RELAY], stand, dir)).code, 0);
  const after = await run(doctor, [], stand, dir);
  assert.equal(after.code, 0, after.all());
  assert.ok(after.out.includes(`ok    failed forwards on ${DOMAIN} are reported to ${EVENTS} (permanent_fail and temporary_fail webhooks)`));
});

test('rule targets on the bounce or complaint list are FAILs; --fix removes them and leaves every other address', async (t) => {
  const dir = await place(t);
  const stand = await api(t, {
    webhooks: REGISTERED,
    suppressions: [
      listed('bounces', 'me+github@gmail.com', "550 5.7.26 Unauthenticated email from example.net is not accepted due to domain's DMARC policy", '550'),
      listed('bounces', 'partner+shop@fastmail.com', '550 5.1.1 <partner+shop@fastmail.com>: Recipient address rejected: User unknown', '550'),
      listed('bounces', 'reader@example.org', '550 5.7.1 spam', '550'),
      listed('complaints', 'me+shop@gmail.com'),
      listed('complaints', 'someone@else.example'),
    ],
  });
  const found = await run(doctor, [], stand, dir);
  assert.equal(found.code, 1);
  const text = found.out.join('\n');
  assert.ok(found.out.includes(`FAIL  me+github@gmail.com, a rule target, is on the bounce list of ${DOMAIN} since 2026-11-10 (550 5.7.26 Unauthenticated email from example.net is not accepted due to domain's DMARC policy): Mailgun drops every forward to it`), text);
  assert.match(text, /FAIL {2}partner\+shop@fastmail\.com, a rule target, is on the bounce list .*\n {6}fix: the mailbox does not exist: correct the target in rules\.yaml, then plus-relay doctor --fix/);
  assert.match(text, /FAIL {2}me\+shop@gmail\.com, a rule target, is on the complaint list of destroy\.systems since 2026-11-10 \(a forward was marked as spam\)/);
  assert.doesNotMatch(text, /reader@example\.org|someone@else\.example/, 'addresses that are not rule targets are not ours');
  assert.equal(stand.suppressions.length, 5, 'nothing removed without --fix');

  const fixed = await run(doctor, ['--fix'], stand, dir);
  assert.equal(fixed.code, 0, fixed.all());
  assert.deepEqual(stand.suppressions.map((s) => s.address), ['reader@example.org', 'someone@else.example']);
  assert.ok(fixed.out.includes(`ok    removed me+shop@gmail.com from the complaint list of ${DOMAIN} (a forward was marked as spam)`), fixed.all());
  assert.match(fixed.out.join('\n'), /warn {2}partner\+shop@fastmail\.com bounced because the mailbox does not exist: the next forward bounces again/);
  const again = await run(doctor, [], stand, dir);
  assert.equal(again.code, 0);
  assert.ok(again.out.includes(`ok    no rule target is on the bounce or complaint list of ${DOMAIN}`));
});

test('a long bounce list is read page by page', async (t) => {
  const dir = await place(t);
  const others = Array.from({ length: 1500 }, (_, i) => listed('bounces', `reader${i}@example.org`, '550 5.7.1 spam', '550'));
  const stand = await api(t, { webhooks: REGISTERED, suppressions: [...others, listed('bounces', 'me+late@gmail.com', '550 5.7.1 spam', '550')] });
  const { code, out } = await run(doctor, [], stand, dir);
  assert.equal(code, 1);
  assert.ok(out.some((l) => l.startsWith('FAIL  me+late@gmail.com, a rule target, is on the bounce list')), out.join('\n'));
  assert.ok(stand.calls.filter((c) => c.path === `/v3/${DOMAIN}/bounces`).length >= 2);
});

test('the failures the relay recorded are listed from its store (DATA_DIR), newest first, with the id to resend them by', async (t) => {
  const STORED = 'https://storage-us-east4.api.mailgun.net/v3/domains/destroy.systems/messages/AgEFexample';
  const dir = await place(t);
  const stand = await api(t, { webhooks: REGISTERED });
  const store = createSqliteStore({ location: { dataDir: join(dir, 'data') }, clock: systemClock });
  const empty = await run(doctor, [], stand, dir);
  assert.ok(empty.out.includes('ok    no failed forwards recorded in the last 30 days (store sqlite)'), empty.all());
  const at = Math.floor(Date.now() / 60_000) * 60_000;
  const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  await store.failures.record({ alias: 'github@destroy.systems', target: 'me+github@gmail.com', severity: 'permanent', reason: 'bounce', code: 550, message: '5.7.26 DMARC', at: at - 60_000, storageUrl: null });
  await store.failures.record({ alias: 'github@destroy.systems', target: 'me+github@gmail.com', severity: 'permanent', reason: 'suppress-bounce', code: 605, message: 'Not delivering to previously bounced address', at, storageUrl: STORED });
  await store.failures.record({ alias: 'shop@destroy.systems', target: 'me+shop@gmail.com', severity: 'temporary', reason: 'generic', code: null, message: '', at: at - 3600_000, storageUrl: null });
  await store.close();
  const github = failureId({ alias: 'github@destroy.systems', target: 'me+github@gmail.com', at });
  const shop = failureId({ alias: 'shop@destroy.systems', target: 'me+shop@gmail.com', at: at - 3600_000 });
  const { code, out } = await run(doctor, [], stand, dir);
  assert.equal(code, 0, 'history is a warning, not a broken setup');
  assert.deepEqual(out.filter((l) => l.includes(' → ')), [
    `warn  github@destroy.systems → me+github@gmail.com: 2 failed forwards, the last at ${minute(at)} UTC (permanent suppress-bounce: 605 Not delivering to previously bounced address); id ${github}: plus-relay resend ${github}`,
    `warn  shop@destroy.systems → me+shop@gmail.com: 1 failed forward, the last at ${minute(at - 3600_000)} UTC (temporary generic); id ${shop}, no stored message to resend`,
  ]);
  assert.match(github, /^[0-9a-f]{12}$/);
  assert.notEqual(github, shop);
});
