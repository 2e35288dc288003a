// The CLI's admin commands against a running relay (a listening app, real HTTP): aliases, alias add, block, unblock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { build, testClock, SIGNING_KEY } from '../helpers/build.js';
import { eventPost, failedEvent } from '../support/fixtures.js';
import { ADMIN_TOKEN, aliases as apiAliases, bearer } from '../helpers/admin.js';
import { recordingIO } from '../helpers/cli-io.js';
import { mail, post } from '../helpers/mail.js';
import { aliases } from '../../src/cli/aliases.js';
import { alias } from '../../src/cli/alias.js';
import { block } from '../../src/cli/block.js';
import { unblock } from '../../src/cli/unblock.js';

const DAY = 86_400_000;
const RULES = 'domains: [destroy.systems]\nleaks: {learn: 7d}\nusers:\n  me: "me+{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: me\n';

async function relay(t: Parameters<typeof build>[0], env: Record<string, string> = { ADMIN_TOKEN }) {
  const clock = testClock();
  const built = await build(t, { env, clock, rules: RULES });
  const url = await built.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...built, clock, url };
}

test('aliases shows a table, --leaks the leaked ones, --json the API answer; block, unblock and alias add act on the relay', async (t) => {
  const { app, api, clock, url } = await relay(t);
  await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }));
  await post(app, mail('shop@destroy.systems', { clock }));
  // Mailgun reports that one forward to the shop's alias bounced.
  const event = eventPost(SIGNING_KEY, failedEvent({ recipient: 'me+shop@gmail.com', alias: 'shop@destroy.systems' }));
  assert.equal((await app.inject({ method: 'POST', url: '/mailgun/events', payload: event.payload, headers: event.headers })).json().status, 'recorded');
  clock.offsetMs += 8 * DAY;
  for (let i = 0; i < 3; i++) await post(app, mail('github@destroy.systems', { from: 'Pills <x@cheap-pills.example>', clock }));
  const failureId = ((await apiAliases(app, '?address=shop@destroy.systems'))[0]?.lastFailure as { id?: string } | undefined)?.id;
  assert.match(failureId ?? '', /^[0-9a-f]{12}$/);
  const { io, out, err } = recordingIO('/', { ADMIN_TOKEN });

  assert.equal(await aliases(['--url', url], io), 0, err.join('\n'));
  assert.deepEqual(out, [
    'ALIAS                   MESSAGES  SENDER DOMAINS    NEW SENDERS              FAILED',
    'github@destroy.systems  4         github.com (1)    cheap-pills.example (3)  -',
    `shop@destroy.systems    1         shop.example (1)  -                        1 (last: 550, id ${failureId})`,
    '2 aliases, 1 with a new sender domain, 0 blocked',
    'inventory: 2 of 10,000 learned, 0 of 2,000 added or blocked',
  ]);
  out.length = 0;
  assert.equal(await aliases(['--leaks', '--url', `${url}/`], io), 0);
  assert.deepEqual(out.slice(1, -2).map((l) => l.split(' ')[0]), ['github@destroy.systems'], 'between the header and the two summary lines');
  out.length = 0;
  assert.equal(await aliases(['--json', '--url', url], io), 0);
  const listing = await app.inject({ method: 'GET', url: '/admin/aliases', headers: bearer() });
  assert.deepEqual(JSON.parse(out[0] ?? ''), listing.json(), 'the API answer: the aliases and how full the inventory is');
  assert.equal(listing.json().inventory.learned, 2);
  out.length = 0;

  assert.equal(await block(['GitHub@destroy.systems', '--url', url], io), 0);
  assert.deepEqual(out, ['blocked github@destroy.systems: its mail is refused (406, nothing sent) from the next message on']);
  assert.equal((await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }))).statusCode, 406);
  out.length = 0;
  assert.equal(await aliases(['--url', url], io), 0);
  assert.match(out[1] ?? '', /^github@destroy\.systems \(blocked\)  5 \(1 refused\)/);
  assert.equal(await unblock(['github@destroy.systems', '--url', url], io), 0);
  assert.equal((await post(app, mail('github@destroy.systems', { from: 'GitHub <noreply@github.com>', clock }))).statusCode, 200);
  out.length = 0;
  assert.equal(await alias(['add', 'planned@destroy.systems', '--url', url], io), 0);
  assert.deepEqual(out, ['added planned@destroy.systems: it receives mail even with new_aliases: reject']);
  assert.equal((await apiAliases(app, '?address=planned@destroy.systems')).length, 1);
  assert.equal(await alias(['add', 'news@destroy.systems', '--description', 'Weekly news, signed up at the fair', '--url', url], io), 0);
  assert.equal((await apiAliases(app, '?address=news@destroy.systems'))[0]?.description, 'Weekly news, signed up at the fair');
  assert.equal(api.sent.length, 6);
  assert.deepEqual(err, []);
});

test('each way the CLI can fail says what to do, with exit 2 for usage and 1 for the relay', async (t) => {
  const { url } = await relay(t);
  const { url: closedUrl } = await relay(t, {});
  const free = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  const cases: Array<[() => Promise<number>, number, RegExp]> = [];
  const run = (env: Record<string, string>, command: typeof aliases, args: string[], code: number, message: RegExp) => {
    const rec = recordingIO('/', env);
    cases.push([() => command(args, rec.io).then((c) => (assert.match(rec.err.join('\n'), message, args.join(' ')), c)), code, message]);
  };
  run({}, aliases, ['--url', url], 2, /ADMIN_TOKEN is not set/);
  run({ ADMIN_TOKEN: 'wrong-token-0123456789' }, block, ['x@destroy.systems', '--url', url], 1, /refused the token/);
  run({ ADMIN_TOKEN }, aliases, ['--url', closedUrl], 1, /has no admin API: set ADMIN_TOKEN/);
  run({ ADMIN_TOKEN }, aliases, ['--url', `http://127.0.0.1:${free}`], 1, /cannot reach the relay at http:\/\/127\.0\.0\.1:\d+/);
  run({ ADMIN_TOKEN }, block, ['x@elsewhere.example', '--url', url], 1, /elsewhere\.example is not one of the relay's domains/);
  run({ ADMIN_TOKEN }, block, ['not-an-address', '--url', url], 1, /not one plain address/);
  run({ ADMIN_TOKEN }, block, ['--url', url], 2, /expected exactly one address/);
  run({ ADMIN_TOKEN }, alias, ['remove', 'x@destroy.systems'], 2, /unknown subcommand "remove"/);
  run({ ADMIN_TOKEN }, aliases, ['--url', 'not a url'], 2, /is not a URL/);
  run({ ADMIN_TOKEN }, aliases, ['--verbose'], 2, /usage: plus-relay aliases/);
  run({ ADMIN_TOKEN }, block, ['x@destroy.systems', '--description', 'x', '--url', url], 2, /unknown option --description[\s\S]*usage: plus-relay block <address> \[--url URL\]/);
  run({ ADMIN_TOKEN }, alias, ['add', 'x@destroy.systems', '--description', 'x'.repeat(201), '--url', url], 1, /description is longer than 200 characters/);
  for (const [go, code] of cases) assert.equal(await go(), code);
});
