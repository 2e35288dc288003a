import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { doctor } from '../../src/cli/doctor.js';
import { ROUTE_DESCRIPTION } from '../../src/cli/mailgun-client.js';
import { createOutboxTransport } from '../../src/forward/outbox.js';
import { systemClock } from '../../src/clock.js';
import { startMailgunApi, type MailgunApi, type Route, type Webhooks } from '../support/mailgun-api.js';
import { build, testClock, type BuildOptions } from '../helpers/build.js';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import { recordingIO } from '../helpers/cli-io.js';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'key-doctor-secret';

function route(url: string, extra: Partial<Route> = {}): Route {
  return { id: 'r1', description: ROUTE_DESCRIPTION, expression: 'catch_all()', actions: [`forward("${url}")`, 'stop()'], priority: 0, created_at: 'Mon, 01 Jan 2024 00:00:00 GMT', ...extra };
}

/** The failure webhooks setup-route registers, for the sending domains these tests meet, posting where the first route does. */
function webhooksFor(routes: Route[]): Webhooks {
  const target = /forward\("([^"]+)"\)/.exec(routes[0]?.actions[0] ?? '')?.[1];
  if (!target) return {};
  const urls = [new URL('/mailgun/events', target).href];
  return Object.fromEntries(['destroy.systems', 'example.com', 'mg.missing.example'].map((d) => [d, { permanent_fail: urls, temporary_fail: urls }]));
}

async function api(t: TestContext, routes: Route[], domains: string[] = []): Promise<MailgunApi> {
  const stand = await startMailgunApi({ key: KEY, routes, domains, webhooks: webhooksFor(routes) });
  t.after(() => stand.close());
  return stand;
}

/** A relay listening on loopback (the real app), and the URL doctor is given for it. */
async function relay(t: TestContext, outbox = false, options: BuildOptions = {}): Promise<{ base: string; host: string }> {
  const { app } = await build(t, { ...options, ...(outbox ? { transport: () => createOutboxTransport(resolve(ROOT, 'outbox'), systemClock) } : {}) });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { base, host: new URL(base).host };
}

async function run(args: string[], stand: MailgunApi | null, env: Record<string, string> = {}) {
  // No relay store on this machine unless a test says so (doctor shows recorded failures when there is one).
  const rec = recordingIO(ROOT, { DATA_DIR: resolve(ROOT, 'test/no-such-data-dir'), ...(stand ? { MAILGUN_API_KEY: KEY, MAILGUN_API_URL: stand.url } : {}), ...env });
  const code = await doctor(args, rec.io);
  return { code, ...rec };
}

test('all well: the relay is up, the route points at it, tracking is off → exit 0, one ok line each', async (t) => {
  const { base, host } = await relay(t);
  const stand = await api(t, [route(`https://${host}/mailgun/inbound/mime`)], ['destroy.systems']);
  const { code, out, all } = await run(['--url', base], stand);
  assert.equal(code, 0, all());
  assert.deepEqual(out, [
    `ok    the relay at ${base} is up: 5 rules, domains destroy.systems, store sqlite`,
    `ok    route r1 forwards all mail to https://${host}/mailgun/inbound/mime`,
    "ok    the relay's route takes mail only for the relay's domains (1 domain in the account)",
    'ok    tracking is off for destroy.systems (click, open, unsubscribe)',
    `ok    failed forwards on destroy.systems are reported to https://${host}/mailgun/events (permanent_fail and temporary_fail webhooks)`,
    'ok    no rule target is on the bounce or complaint list of destroy.systems',
    'doctor: no problems found',
  ]);
  assert.ok(!all().includes(KEY));
  assert.ok(stand.calls.some((c) => c.path === '/v3/domains/destroy.systems/tracking'), 'the relay’s own domains are checked');
});

test('no route: FAIL with the setup-route command to run', async (t) => {
  const stand = await api(t, [route('https://elsewhere.example/hook', { id: 'x', description: 'not ours' })]);
  const { code, out } = await run(['--domain', 'd.example'], stand);
  assert.equal(code, 1);
  assert.equal(out[0], 'FAIL  no plus-relay route in this Mailgun account: Mailgun does not post any mail to the relay');
  assert.equal(out[1], '      fix: plus-relay setup-route --url https://<app>.fly.dev/mailgun/inbound/mime');
  assert.equal(out.at(-1), 'doctor: 1 problem to fix');
});

test('a route to another host, http, a wrong path or duplicates: each is a FAIL', async (t) => {
  const { base, host } = await relay(t);
  const cases: Array<[Route[], RegExp]> = [
    [[route('https://old-app.fly.dev/mailgun/inbound/mime')], new RegExp(`FAIL  route r1 forwards to old-app\\.fly\\.dev, not to ${host}`)],
    [[route(`http://${host}/mailgun/inbound/mime`)], /FAIL  route r1 forwards to http:\/\/.*must be https/],
    [[route(`https://${host}/inbound`)], /FAIL  route r1 forwards to https:\/\/.*\/inbound: the relay receives mail at/],
    [[route(`https://${host}/mailgun/inbound/mime`), route(`https://${host}/mailgun/inbound/mime`, { id: 'r2', created_at: 'Tue, 02 Jan 2024 00:00:00 GMT' })], /FAIL  2 plus-relay routes/],
  ];
  for (const [routes, message] of cases) {
    const stand = await api(t, routes);
    const { code, out } = await run(['--url', base], stand);
    assert.equal(code, 1, out.join('\n'));
    assert.match(out.join('\n'), message);
    assert.match(out.join('\n'), new RegExp(`fix: plus-relay setup-route --url https://${host}/mailgun/inbound/mime`));
  }
});

test('parsed mode and routes that shadow the relay are warnings, not failures', async (t) => {
  const { base, host } = await relay(t);
  const stand = await api(t, [
    route(`https://${host}/mailgun/inbound`),
    route('https://crm.example/hook', { id: 'crm', description: 'crm', expression: 'match_recipient("sales@destroy.systems")' }),
  ]);
  const { code, out } = await run(['--url', base], stand);
  assert.equal(code, 0, out.join('\n'));
  const text = out.join('\n');
  assert.match(text, /warn  route r1: \/mailgun\/inbound is parsed mode/);
  assert.match(text, /warn  route crm \("crm", match_recipient\("sales@destroy\.systems"\) → forward\("https:\/\/crm\.example\/hook"\), stop\(\) \(priority 0\)\) is evaluated before the relay's: mail it matches never reaches the relay/);
  assert.match(out.at(-1) ?? '', /^doctor: no problems found \(2 warnings\)$/);
});

/** A route of another domain of the account, as its owner would have made it in the dashboard. */
const domainRoute = (id: string, expression: string, priority: number): Route =>
  route('https://helpdesk.example/in', { id, description: `${id} mail`, expression, priority, created_at: 'Tue, 02 Jan 2024 00:00:00 GMT' });

test("the account's other domains: a warning for each whose mail the relay's catch-all would take (and refuse), none for those routed first", async (t) => {
  const { base, host } = await relay(t);
  const stand = await api(
    t,
    [
      route(`https://${host}/mailgun/inbound/mime`, { priority: 32767 }),
      domainRoute('covered', 'match_recipient(".*@covered.example")', 0),
      domainRoute('partial', 'match_recipient("^sales@partial\\.example$")', 5),
    ],
    ['destroy.systems', 'covered.example', 'partial.example', 'lost.example'],
  );
  const { code, out } = await run(['--url', base], stand);
  assert.equal(code, 0, out.join('\n'));
  const warnings = out.filter((l) => l.startsWith('warn'));
  assert.deepEqual(warnings, [
    "warn  domain partial.example is in this Mailgun account but not in rules.yaml domains: no route before the relay's (priority 32767) takes all of its mail, so the relay's catch_all() does and refuses it for good (406)",
    "warn  domain lost.example is in this Mailgun account but not in rules.yaml domains: no route before the relay's (priority 32767) takes all of its mail, so the relay's catch_all() does and refuses it for good (406)",
  ]);
  assert.ok(out.includes(`      fix: give lost.example its own route with a smaller priority number than the relay's (e.g. match_recipient(".*@lost.example") → forward(…), stop()), or add lost.example to rules.yaml domains`), out.join('\n'));
  assert.ok(stand.calls.some((c) => c.path === '/v4/domains'), "the account's domains come from the Domains API");
  assert.equal(out.at(-1), 'doctor: no problems found (2 warnings)');
});

test('a relay route left at priority 0: routes after it never run, their domains lose their mail; the fix is setup-route', async (t) => {
  const { base, host } = await relay(t);
  const stand = await api(t, [route(`https://${host}/mailgun/inbound/mime`), domainRoute('shop', 'match_recipient(".*@shop.example")', 10)], ['destroy.systems', 'shop.example']);
  const { code, out } = await run(['--url', base], stand);
  assert.equal(code, 0, out.join('\n'));
  const text = out.join('\n');
  assert.match(text, /warn  route shop \("shop mail", match_recipient\("\.\*@shop\.example"\) → .*\(priority 10\)\) comes after the relay's catch_all\(\) route \(priority 0\), which takes every message left and stops: it never runs/);
  assert.match(text, /warn  domain shop\.example is in this Mailgun account but not in rules\.yaml domains: .*refuses it for good \(406\)\n      fix: plus-relay setup-route --url https:\/\/127\.0\.0\.1:\d+\/mailgun\/inbound\/mime \(moves the relay's route after shop\.example's route\)/);
  assert.doesNotMatch(text, /is evaluated before the relay's/);
});

test("routes evaluated first only warn when they can take the relay's own mail", async (t) => {
  const { base, host } = await relay(t);
  const stand = await api(t, [
    route(`https://${host}/mailgun/inbound/mime`, { priority: 32767 }),
    domainRoute('elsewhere', 'match_recipient(".*@elsewhere.example")', 0),
    domainRoute('sales', 'match_recipient("sales@destroy.systems")', 0),
    domainRoute('vip', 'match_header("from", ".*@vip.example")', 0),
  ]);
  const { out } = await run(['--url', base], stand);
  const before = out.filter((l) => /is evaluated before the relay's/.test(l)).map((l) => /route (\w+)/.exec(l)?.[1]);
  assert.deepEqual(before, ['sales', 'vip'], "a route confined to another domain is not the relay's business; one that cannot be read is warned about");
});

test('tracking: unsubscribe on is a FAIL (no per-message switch); click and open are warnings; each with its fix', async (t) => {
  const stand = await api(t, [route('https://relay.example/mailgun/inbound/mime')]);
  stand.tracking = { ...stand.tracking, click: { active: 'htmlonly' }, open: { active: true } };
  const warned = await run(['--domain', 'mg.example'], stand);
  assert.equal(warned.code, 0);
  assert.match(warned.out.join('\n'), /warn  click tracking is on for mg\.example/);
  assert.match(warned.out.join('\n'), /warn  open tracking is on for mg\.example/);
  assert.ok(warned.out.includes(`      fix: Mailgun dashboard → Sending → Domain settings → mg.example → Tracking: turn click tracking off; or curl --user "api:$MAILGUN_API_KEY" -X PUT ${stand.url}/v3/domains/mg.example/tracking/click -F active=false`));

  stand.tracking = { ...stand.tracking, unsubscribe: { ...stand.tracking.unsubscribe, active: true } };
  const failed = await run(['--domain', 'mg.example'], stand);
  assert.equal(failed.code, 1);
  assert.match(failed.out.join('\n'), /FAIL  unsubscribe tracking is on for mg\.example: Mailgun appends an unsubscribe footer/);
  assert.ok(!failed.all().includes(KEY), 'the fix names $MAILGUN_API_KEY, never the key');
});

test('domains come from the local rules.yaml and MAILGUN_DOMAIN without --url; an unknown domain is a FAIL', async (t) => {
  const stand = await api(t, [route('https://relay.example/mailgun/inbound/mime')]);
  stand.failWhen((req) => req.path === '/v3/domains/mg.missing.example/tracking', { kind: 'status', status: 404, body: { message: 'Domain not found' } });
  const { code, out } = await run([], stand, { MAILGUN_DOMAIN: 'mg.missing.example' });
  assert.equal(code, 1);
  assert.ok(out.includes('ok    tracking is off for example.com (click, open, unsubscribe)'), out.join('\n'));
  assert.match(out.join('\n'), /FAIL  domain mg\.missing\.example is not in this Mailgun account/);
});

test('a wrong key, a missing key, a relay that is down or in outbox mode: FAILs that say what to do', async (t) => {
  const stand = await api(t, [route('https://relay.example/mailgun/inbound/mime')]);
  const wrong = await run(['--domain', 'd.example'], stand, { MAILGUN_API_KEY: 'key-wrong' });
  assert.equal(wrong.code, 1);
  assert.equal(wrong.out[0], `FAIL  MAILGUN_API_KEY was refused by ${stand.url}: check the key and the region (EU accounts: MAILGUN_API_URL=https://api.eu.mailgun.net)`);
  assert.ok(!wrong.all().includes('key-wrong'));

  // Run locally without a key: what it could check (the rules file), and what it could not, named.
  const missing = await run([], null);
  assert.equal(missing.code, 1);
  assert.deepEqual(missing.err, []);
  assert.deepEqual(missing.out, [
    'ok    rules.yaml is valid: domains example.com',
    "FAIL  cannot check the Mailgun side without MAILGUN_API_KEY: the route, the account's other domains, tracking, the failure webhooks and the bounce lists",
    '      fix: MAILGUN_API_KEY=key-… plus-relay doctor --url https://<app>.fly.dev (EU accounts also MAILGUN_API_URL=https://api.eu.mailgun.net)',
    'doctor: 1 problem to fix',
  ]);

  const down = await run(['--url', 'http://127.0.0.1:9', '--domain', 'd.example'], stand);
  assert.equal(down.code, 1);
  assert.match(down.out[0] ?? '', /^FAIL  cannot reach the relay at http:\/\/127\.0\.0\.1:9\/healthz: /);

  const { base } = await relay(t, true);
  const outbox = await run(['--url', `${base}/mailgun/inbound/mime`, '--domain', 'd.example'], stand);
  assert.equal(outbox.code, 1);
  assert.match(outbox.out.join('\n'), /FAIL  the relay has no MAILGUN_API_KEY: it writes forwards to its outbox/);
});

test('a relay whose store is down: FAIL naming the store, the reason left to the logs', async (t) => {
  const store = { ...createSqliteStore({ location: ':memory:', clock: testClock() }), health: async () => ({ ok: false, detail: 'redis unreachable: ECONNREFUSED 10.7.0.3:6379' }) };
  const { base } = await relay(t, false, { store });
  const stand = await api(t, [route('https://relay.example/mailgun/inbound/mime')]);
  const { code, out } = await run(['--url', base, '--domain', 'd.example'], stand);
  assert.equal(code, 1);
  assert.equal(out[0], `FAIL  the relay at ${base}/healthz answered 503: its sqlite store is unavailable`);
  assert.equal(out[1], '      fix: fly logs shows why');
});
