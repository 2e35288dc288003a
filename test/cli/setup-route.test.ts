import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { setupRoute } from '../../src/cli/setup-route.js';
import { ROUTE_DESCRIPTION } from '../../src/cli/mailgun-client.js';
import { startMailgunApi, type Route } from '../support/mailgun-api.js';
import { recordingIO } from '../helpers/cli-io.js';
import { freePort } from '../support/free-port.js';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'key-setup-route-secret';
const URL_RAW = 'https://relay.example/mailgun/inbound/mime';

async function api(t: TestContext, routes: Route[] = []) {
  const stand = await startMailgunApi({ key: KEY, routes });
  t.after(() => stand.close());
  return stand;
}

/** What setup-route says about the route, without its lines about the failure webhooks (tested on their own). */
const routeLines = (out: readonly string[]): string[] => out.filter((line) => !/\bwebhook\b/.test(line));

function run(args: string[], env: Record<string, string>) {
  const rec = recordingIO(ROOT, env);
  return setupRoute(args, rec.io).then((code) => ({ code, ...rec }));
}

const envFor = (stand: { url: string }, key = KEY) => ({ MAILGUN_API_KEY: key, MAILGUN_API_URL: stand.url, MAILGUN_DOMAIN: 'mg.example' });
const EVENTS = 'https://relay.example/mailgun/events';
// Writes to the routes (the failure webhooks setup-route also registers are tested on their own).
const writes = (stand: { calls: Array<{ method: string; path: string }> }) => stand.calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/v3/routes')).length;

function route(id: string, description: string, actions: string[], extra: Partial<Route> = {}): Route {
  return { id, description, actions, expression: 'catch_all()', priority: 0, created_at: 'Mon, 01 Jan 2024 00:00:00 GMT', ...extra };
}

test('creates the one catch_all() route: forward(url) then stop(), with the relay description, evaluated last (32767)', async (t) => {
  const stand = await api(t);
  const { code, out, err } = await run(['--url', URL_RAW], envFor(stand));
  assert.equal(code, 0, err.join('\n'));
  assert.equal(stand.routes.length, 1);
  const [created] = stand.routes;
  assert.deepEqual({ ...created, id: '', created_at: '' }, {
    id: '', created_at: '', description: ROUTE_DESCRIPTION, expression: 'catch_all()', priority: 32767, actions: [`forward("${URL_RAW}")`, 'stop()'],
  });
  assert.deepEqual(out, [
    `create route ${created?.id}: catch_all() → forward("${URL_RAW}"), stop() (priority 32767)`,
    `create webhook permanent_fail of mg.example: ${EVENTS}`,
    `create webhook temporary_fail of mg.example: ${EVENTS}`,
  ]);
  assert.deepEqual(err, []);
});

test('running it twice leaves one route and writes nothing the second time', async (t) => {
  const stand = await api(t);
  assert.equal((await run(['--url', URL_RAW], envFor(stand))).code, 0);
  const before = writes(stand);
  const second = await run(['--url', URL_RAW], envFor(stand));
  assert.equal(second.code, 0);
  assert.equal(stand.routes.length, 1);
  assert.equal(writes(stand), before, 'no POST/PUT/DELETE on an up-to-date route');
  assert.match(second.out[0] ?? '', /^route \w+ is already up to date: catch_all\(\) → forward\(/);
});

test('a new URL updates the same route in place; --priority changes it, and is kept when not given', async (t) => {
  const stand = await api(t);
  await run(['--url', URL_RAW, '--priority', '3'], envFor(stand));
  const id = stand.routes[0]?.id;
  const next = 'https://other.example/mailgun/inbound/mime';
  const { code, out } = await run(['--url', next], envFor(stand));
  assert.equal(code, 0);
  assert.equal(stand.routes.length, 1);
  assert.equal(stand.routes[0]?.id, id);
  assert.deepEqual(stand.routes[0]?.actions, [`forward("${next}")`, 'stop()']);
  assert.equal(stand.routes[0]?.priority, 3, 'priority kept');
  assert.deepEqual(out, [
    `update route ${id}`,
    `  from: catch_all() → forward("${URL_RAW}"), stop() (priority 3)`,
    `  to:   catch_all() → forward("${next}"), stop() (priority 3)`,
    `update webhook permanent_fail of mg.example: ${EVENTS} → https://other.example/mailgun/events`,
    `update webhook temporary_fail of mg.example: ${EVENTS} → https://other.example/mailgun/events`,
  ]);
  assert.equal((await run(['--url', next, '--priority', '0'], envFor(stand))).code, 0);
  assert.equal(stand.routes[0]?.priority, 0);
});

// Routes are account-wide: mail for the account's other domains must meet their own routes before the catch-all.
const otherDomain = (id: string, priority: number, domain: string) =>
  route(id, `${domain} to its helpdesk`, ['forward("https://helpdesk.example/in")', 'stop()'], { expression: `match_recipient(".*@${domain}")`, priority });

test("with other routes in the account, the relay's route is created after all of them", async (t) => {
  const stand = await api(t, [otherDomain('shop', 0, 'shop.example'), otherDomain('blog', 10, 'blog.example')]);
  const { code, out, err } = await run(['--url', URL_RAW], envFor(stand));
  assert.equal(code, 0, err.join('\n'));
  const ours = stand.routes.find((r) => r.description === ROUTE_DESCRIPTION);
  assert.equal(ours?.priority, 32767);
  assert.ok(stand.routes.every((r) => r === ours || r.priority < (ours?.priority ?? 0)), 'every other route is evaluated first');
  assert.deepEqual(routeLines(out), [`create route ${ours?.id}: catch_all() → forward("${URL_RAW}"), stop() (priority 32767)`]);
  assert.deepEqual(stand.routes.filter((r) => r !== ours).map((r) => [r.id, r.priority]), [['shop', 0], ['blog', 10]], 'the others are left alone');
});

test('an existing relay route at priority 0 is moved after the other routes, and says why; --dry-run only says so', async (t) => {
  const old = route('ours', ROUTE_DESCRIPTION, [`forward("${URL_RAW}")`, 'stop()'], { priority: 0 });
  const stand = await api(t, [old, otherDomain('shop', 0, 'shop.example'), otherDomain('blog', 10, 'blog.example')]);
  const dry = await run(['--url', URL_RAW, '--dry-run'], envFor(stand));
  assert.equal(dry.code, 0);
  assert.equal(stand.routes[0]?.priority, 0, 'dry run: unchanged');
  assert.deepEqual(routeLines(dry.out), [
    'would update route ours',
    `  from: catch_all() → forward("${URL_RAW}"), stop() (priority 0)`,
    `  to:   catch_all() → forward("${URL_RAW}"), stop() (priority 32767)`,
    "  why:  catch_all() must come after the account's 2 other routes (the last at priority 10), or it takes their mail",
    'dry run: nothing was changed',
  ]);
  const moved = await run(['--url', URL_RAW], envFor(stand));
  assert.equal(moved.code, 0);
  assert.deepEqual(routeLines(moved.out), routeLines(dry.out).slice(0, 4).map((l) => l.replace('would update', 'update')));
  assert.deepEqual(stand.routes.map((r) => [r.id, r.priority]), [['ours', 32767], ['shop', 0], ['blog', 10]]);
  const again = await run(['--url', URL_RAW], envFor(stand));
  assert.match(again.out[0] ?? '', /^route ours is already up to date: .*\(priority 32767\)$/);
});

test('a relay route that already comes after every other route keeps its priority; alone in the account it stays put', async (t) => {
  const stand = await api(t, [route('ours', ROUTE_DESCRIPTION, [`forward("${URL_RAW}")`, 'stop()'], { priority: 50 }), otherDomain('shop', 10, 'shop.example')]);
  const before = writes(stand);
  const { code, out } = await run(['--url', URL_RAW], envFor(stand));
  assert.equal(code, 0);
  assert.equal(writes(stand), before);
  assert.match(out[0] ?? '', /^route ours is already up to date: .*\(priority 50\)$/);
  const alone = await api(t, [route('ours', ROUTE_DESCRIPTION, [`forward("${URL_RAW}")`, 'stop()'], { priority: 0 })]);
  assert.match((await run(['--url', URL_RAW], envFor(alone))).out[0] ?? '', /^route ours is already up to date: .*\(priority 0\)$/);
});

test('--priority still decides, with a note about the routes whose mail the catch-all then takes first', async (t) => {
  const stand = await api(t, [otherDomain('shop', 0, 'shop.example'), otherDomain('blog', 10, 'blog.example')]);
  const { code, out } = await run(['--url', URL_RAW, '--priority', '5'], envFor(stand));
  assert.equal(code, 0);
  assert.equal(stand.routes.find((r) => r.description === ROUTE_DESCRIPTION)?.priority, 5);
  assert.equal(out[1], "note: 1 other route (blog (priority 10)) comes at or after priority 5: the relay's catch_all() takes their mail first; leave out --priority to put the relay's route last");
});

test('another route already at 32767: nothing is changed, exit 1 naming it; --priority chooses anyway', async (t) => {
  const stand = await api(t, [otherDomain('greedy', 32767, 'shop.example')]);
  const { code, out, err } = await run(['--url', URL_RAW], envFor(stand));
  assert.equal(code, 1);
  assert.deepEqual(routeLines(out), []);
  assert.match(err[0] ?? '', /^plus-relay: route greedy \("shop\.example to its helpdesk"\) already has priority 32767, the last there is: .*--priority$/);
  assert.equal(stand.routes.length, 1);
  assert.equal((await run(['--url', URL_RAW, '--priority', '32767'], envFor(stand))).code, 0);
  assert.equal(stand.routes.length, 2);
});

test('--dry-run says what it would do and changes nothing', async (t) => {
  const stand = await api(t);
  const first = await run(['--url', URL_RAW, '--dry-run'], envFor(stand));
  assert.equal(first.code, 0);
  assert.deepEqual(first.out, [
    `would create route: catch_all() → forward("${URL_RAW}"), stop() (priority 32767)`,
    `would create webhook permanent_fail of mg.example: ${EVENTS}`,
    `would create webhook temporary_fail of mg.example: ${EVENTS}`,
    'dry run: nothing was changed',
  ]);
  assert.equal(stand.routes.length, 0);
  assert.deepEqual(stand.webhooks, {});
  await run(['--url', URL_RAW], envFor(stand));
  const snapshot = JSON.stringify(stand.routes);
  const before = writes(stand);
  const second = await run(['--url', 'https://other.example/mailgun/inbound/mime', '--dry-run'], envFor(stand));
  assert.equal(second.code, 0);
  assert.match(second.out[0] ?? '', /^would update route \w+$/);
  assert.ok(second.out.includes(`would update webhook permanent_fail of mg.example: ${EVENTS} → https://other.example/mailgun/events`));
  assert.equal(JSON.stringify(stand.routes), snapshot);
  assert.deepEqual(stand.webhooks['mg.example']?.permanent_fail, [EVENTS]);
  assert.equal(writes(stand), before);
});

test('finds its route beyond the first page, leaves other routes alone, removes duplicates keeping the oldest', async (t) => {
  const others = Array.from({ length: 150 }, (_, i) => route(`other${String(i).padStart(3, '0')}`, `someone else ${i}`, ['forward("https://elsewhere.example/hook")'], { expression: `match_recipient("u${i}@x.example")`, priority: 10 }));
  const older = route('ours-old', ROUTE_DESCRIPTION, ['forward("https://old.example/mailgun/inbound/mime")', 'stop()'], { created_at: 'Mon, 01 Jan 2024 00:00:00 GMT' });
  const newer = route('ours-new', ROUTE_DESCRIPTION, ['forward("https://old.example/mailgun/inbound/mime")', 'stop()'], { created_at: 'Tue, 02 Jan 2024 00:00:00 GMT' });
  const stand = await api(t, [...others.slice(0, 120), newer, ...others.slice(120), older]);
  const { code, out } = await run(['--url', URL_RAW], envFor(stand));
  assert.equal(code, 0);
  const ours = stand.routes.filter((r) => r.description === ROUTE_DESCRIPTION);
  assert.deepEqual(ours.map((r) => r.id), ['ours-old']);
  assert.deepEqual(ours[0]?.actions, [`forward("${URL_RAW}")`, 'stop()']);
  assert.equal(stand.routes.length, 151, 'the 150 other routes are untouched');
  assert.match(out[0] ?? '', /^delete duplicate route ours-new: /);
});

test('warns about another route that forwards to the same URL (mail would arrive twice)', async (t) => {
  const stand = await api(t, [route('manual1', 'made by hand', [`forward("${URL_RAW}")`])]);
  const { code, out } = await run(['--url', URL_RAW], envFor(stand));
  assert.equal(code, 0);
  assert.match(out.join('\n'), /note: route manual1 \("made by hand"\) also forwards to https:\/\/relay\.example\/mailgun\/inbound\/mime: each message would arrive twice/);
  assert.equal(stand.routes.length, 2, 'it is not ours to delete');
});

test('a wrong key exits 1 with the key-and-region message, and never prints either key', async (t) => {
  const stand = await api(t);
  const { code, out, err, all } = await run(['--url', URL_RAW], envFor(stand, 'key-wrong-secret'));
  assert.equal(code, 1);
  assert.deepEqual(out, []);
  assert.deepEqual(err, [`plus-relay: MAILGUN_API_KEY was refused by ${stand.url}: check the key and the region (EU accounts: MAILGUN_API_URL=https://api.eu.mailgun.net)`]);
  assert.ok(!all().includes('key-wrong-secret') && !all().includes(KEY));
});

test('URLs Mailgun should not post to are refused before any API call; /mailgun/inbound works with a warning', async (t) => {
  const stand = await api(t);
  const refused: Array<[string, RegExp]> = [
    ['http://relay.example/mailgun/inbound/mime', /must be https.*try https:\/\/relay\.example\/mailgun\/inbound\/mime/],
    ['https://relay.example/', /receives mail at \/mailgun\/inbound\/mime .*try https:\/\/relay\.example\/mailgun\/inbound\/mime/],
    ['https://relay.example/mailgun/inbound/mime/', /receives mail at/],
    ['https://relay.example/mailgun/inbound/mime?token=x', /must not carry credentials, a query/],
    ['relay.example', /is not a URL/],
  ];
  for (const [url, message] of refused) {
    const { code, err } = await run(['--url', url], envFor(stand));
    assert.equal(code, 2, url);
    assert.match(err.join('\n'), message, url);
  }
  assert.equal(stand.requests, 0, 'no API call for a refused URL');
  const parsed = await run(['--url', 'https://relay.example/mailgun/inbound'], envFor(stand));
  assert.equal(parsed.code, 0);
  assert.match(parsed.err.join('\n'), /^warning: \/mailgun\/inbound is parsed mode: .*DKIM.*Raw mode \(https:\/\/relay\.example\/mailgun\/inbound\/mime\)/);
  assert.equal(stand.routes.length, 1);
});

test('usage, a missing key, an API error and an unreachable API each get a clear message', async (t) => {
  const stand = await api(t);
  for (const args of [[], ['--url'], ['--url', URL_RAW, '--priority', '-1'], ['--url', URL_RAW, '--bogus']]) {
    const { code, err } = await run(args, envFor(stand));
    assert.equal(code, 2, JSON.stringify(args));
    assert.match(err.join('\n'), /usage: plus-relay setup-route/);
  }
  const missing = await run(['--url', URL_RAW], { MAILGUN_API_URL: stand.url });
  assert.equal(missing.code, 1);
  assert.match(missing.err[0] ?? '', /MAILGUN_API_KEY is not set/);

  stand.failNext({ kind: 'status', status: 500 });
  const failed = await run(['--url', URL_RAW], envFor(stand));
  assert.equal(failed.code, 1);
  assert.equal(failed.err[0], `plus-relay: the Mailgun API at ${stand.url} answered 500: Internal Server Error`);

  const closed = await freePort();
  const unreachable = await run(['--url', URL_RAW], { MAILGUN_API_KEY: KEY, MAILGUN_API_URL: `http://127.0.0.1:${closed}` });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.err[0] ?? '', /^plus-relay: cannot reach the Mailgun API at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  assert.equal(stand.routes.length, 0);
});

test('the installed command: `plus-relay setup-route` through the CLI entry point, the key never printed', async (t) => {
  const stand = await api(t);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'setup-route', '--url', URL_RAW], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...envFor(stand) },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output);
  assert.match(output, /^create route \w+: catch_all\(\)/);
  assert.ok(!output.includes(KEY));
  assert.equal(stand.routes.length, 1);
});
