// A token cannot lock its owner out: its creations have their own cap and rate, each refusal a 429 with Retry-After,
// and the operator's block and alias add keep their room. `plus-relay alias forget` removes any entry altogether.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, aliases, bearer } from '../helpers/admin.js';
import { hourClock } from '../helpers/aligned-clock.js';
import { createAlias, created, listAliases, listeningRelay, API_TOKEN } from '../helpers/alias-api.js';
import { recordingIO } from '../helpers/cli-io.js';
import { mail, post } from '../helpers/mail.js';
import { alias } from '../../src/cli/alias.js';
import { block } from '../../src/cli/block.js';
import { unblock } from '../../src/cli/unblock.js';
import { ALIAS_API_LIMITS } from '../../src/alias-api/limits.js';
import { INVENTORY_LIMITS } from '../../src/store/inventory.js';

const RULES = `domains: [destroy.systems]
new_aliases: reject
users:
  you: "you+{service}@gmail.com"
rules:
  - match: "{service}"
    user: you
`;

/** `count` creations, `width` at a time, each for its own site; their statuses in order. */
async function createMany(url: string, count: number, width = 50): Promise<Response[]> {
  const answers: Response[] = [];
  for (let i = 0; i < count; i += width) {
    const batch = Array.from({ length: Math.min(width, count - i) }, (_, j) => createAlias(url, API_TOKEN, `site${i + j}.example`));
    answers.push(...(await Promise.all(batch)));
  }
  return answers;
}

test('2,100 creations in a burst: all but the rate are 429 with Retry-After, and block and alias add still succeed', async (t) => {
  // One second into a clock hour: the burst stays inside one minute's window, whenever the test runs.
  const relay = await listeningRelay(t, { env: { ALIAS_API_TOKEN: API_TOKEN, ADMIN_TOKEN }, rules: RULES, clock: hourClock() });
  const answers = await createMany(relay.url, 2100);
  const made = answers.filter((r) => r.status === 201).length;
  assert.equal(made, ALIAS_API_LIMITS.perMinute, 'the per-minute rate');
  const refused = answers.filter((r) => r.status !== 201);
  assert.ok(refused.every((r) => r.status === 429), [...new Set(refused.map((r) => r.status))].join(','));
  for (const r of refused) {
    const after = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(after) && after >= 1 && after <= 60, `Retry-After ${r.headers.get('retry-after')}`);
  }
  assert.match(((await refused[0]?.json()) as { message: string }).message, /at most 10 aliases per minute/);

  const { io, out, err } = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await block(['github@destroy.systems', '--url', relay.url], io), 0, err.join('\n'));
  assert.equal(await alias(['add', 'planned@destroy.systems', '--url', relay.url], io), 0, err.join('\n'));
  assert.deepEqual(out, [
    'blocked github@destroy.systems: its mail is refused (406, nothing sent) from the next message on',
    'added planned@destroy.systems: it receives mail even with new_aliases: reject',
  ]);
});

test("creations beyond the operator's whole room never take it; the user's cap is a 429; forget frees a place", async (t) => {
  const cap = INVENTORY_LIMITS.maxOperatorAliases + 100;
  const relay = await listeningRelay(t, { env: { ALIAS_API_TOKEN: API_TOKEN, ADMIN_TOKEN }, rules: RULES, app: { aliasApiLimits: { maxAliasesPerUser: cap, perMinute: 10_000, perDay: 10_000 } } });
  const answers = await createMany(relay.url, cap);
  assert.deepEqual([...new Set(answers.map((r) => r.status))], [201]);
  const full = await createAlias(relay.url, API_TOKEN, 'one-more.example');
  assert.equal(full.status, 429);
  assert.ok(Number(full.headers.get('retry-after')) >= 1);
  assert.match(((await full.json()) as { message: string }).message, /holds 2100 aliases.*plus-relay alias forget/);

  // The owner's tools work as on an empty relay: block, unblock, alias add.
  const { io, out, err } = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await block(['stranger@destroy.systems', '--url', relay.url], io), 0, err.join('\n'));
  assert.equal(await alias(['add', 'planned@destroy.systems', '--url', relay.url], io), 0, err.join('\n'));
  const size = ((await relay.app.inject({ method: 'GET', url: '/admin/aliases?limit=1', headers: bearer() })).json() as { inventory: { operator: number; learned: number } }).inventory;
  assert.deepEqual([size.operator, size.learned], [2, 0], "the API's aliases are neither the operator's entries nor learned ones");

  // Forget an API alias: its place is free again, and the name can be had anew.
  out.length = 0;
  assert.equal(await alias(['forget', 'site0@destroy.systems', '--url', relay.url], io), 0, err.join('\n'));
  assert.deepEqual(out, ['forgot site0@destroy.systems: nothing about it is kept, and its place is free']);
  assert.equal((await created(relay.url, API_TOKEN, 'site0.example')).email, 'site0@destroy.systems');
});

test('alias forget removes a blocked or added entry and leaves nothing behind; unblock alone keeps what was learned', async (t) => {
  const relay = await listeningRelay(t, { env: { ALIAS_API_TOKEN: API_TOKEN, ADMIN_TOKEN }, rules: RULES });
  const { app, clock, url } = relay;
  assert.equal((await post(app, mail('github@destroy.systems', { clock }))).statusCode, 406, 'new_aliases: reject');
  const { io, out, err } = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await alias(['add', 'github@destroy.systems', '--description', 'signed up in May', '--url', url], io), 0, err.join('\n'));
  assert.equal((await post(app, mail('github@destroy.systems', { clock }))).statusCode, 200);
  assert.equal(await block(['github@destroy.systems', '--url', url], io), 0);
  assert.equal(await unblock(['github@destroy.systems', '--url', url], io), 0);
  assert.equal((await aliases(app, '?address=github@destroy.systems')).length, 1, 'unblocked, still added');

  out.length = 0;
  assert.equal(await alias(['forget', 'GitHub@destroy.systems', '--url', url], io), 0, err.join('\n'));
  assert.deepEqual(out, ['forgot github@destroy.systems: nothing about it is kept, and its place is free']);
  assert.deepEqual(await aliases(app, '?address=github@destroy.systems'), []);
  const size = ((await app.inject({ method: 'GET', url: '/admin/aliases', headers: bearer() })).json() as { aliases: unknown[]; inventory: Record<string, number> });
  assert.deepEqual(size.aliases, []);
  assert.deepEqual([size.inventory.operator, size.inventory.added, size.inventory.blocked, size.inventory.learned], [0, 0, 0, 0]);
  assert.equal((await post(app, mail('github@destroy.systems', { clock }))).statusCode, 406, 'not known any more: new_aliases: reject refuses it again');

  out.length = 0;
  assert.equal(await alias(['forget', 'never@destroy.systems', '--url', url], io), 0);
  assert.deepEqual(out, ['never@destroy.systems was not in the inventory: nothing to forget']);
  assert.equal(await alias(['forget', 'x@destroy.systems', '--description', 'no', '--url', url], io), 2, 'forget takes no description');
  assert.equal(await alias(['forgt', 'x@destroy.systems', '--url', url], io), 2);
  assert.match(err.join('\n'), /did you mean forget\?/);
  // The API's list is untouched by the operator's forget of what it never made.
  assert.deepEqual((await listAliases(url, API_TOKEN)).data, []);
});
