// A token belongs to one user: it makes aliases the rules send to that user alone, and sees and deletes only those.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, adminPost, aliases } from '../helpers/admin.js';
import { createAlias, created, deleteAlias, listAliases, listeningRelay, LIFTED_LIMITS } from '../helpers/alias-api.js';
import { mail, post } from '../helpers/mail.js';

const YOU_TOKEN = 'you-alias-api-token-0123456789';
const MAX_TOKEN = 'max-alias-api-token-0123456789';

// The rules: a `{user}` rule, and everything else to you.
const USER_RULE = `domains: [destroy.systems]
new_aliases: reject
users:
  you: "you+{service}@gmail.com"
  max: "max+{service}@fastmail.com"
rules:
  - match: "{user}"
  - match: "{service}"
    user: you
`;

/** Whom a message to `address` reaches: the targets of the sends it made. */
async function reaches(built: Awaited<ReturnType<typeof listeningRelay>>, address: string): Promise<string[]> {
  const before = built.api.sent.length;
  const res = await post(built.app, mail(address, { clock: built.clock }));
  assert.equal(res.statusCode, 200, res.body);
  return built.api.sent.slice(before).flatMap((s) => s.to);
}

test("a site named like another user (play.max.com) does not give that user's address: the alias reaches the token's user", async (t) => {
  const relay = await listeningRelay(t, { env: { ALIAS_API_TOKEN: YOU_TOKEN }, rules: USER_RULE, app: { aliasApiLimits: LIFTED_LIMITS } });
  const alias = await created(relay.url, YOU_TOKEN, 'play.max.com');
  assert.notEqual(alias.email, 'max@destroy.systems', 'max@ forwards to max');
  assert.equal(alias.email, 'max-2@destroy.systems');
  assert.deepEqual(await reaches(relay, alias.email), ['you+max-2@gmail.com']);
  // The same for a site named like the token's own user: you@ is theirs, so it is theirs to have.
  assert.equal((await created(relay.url, YOU_TOKEN, 'you.example')).email, 'you@destroy.systems');
});

test('ALIAS_API_USER names the user of ALIAS_API_TOKEN; a user the rules do not have is refused (403)', async (t) => {
  const relay = await listeningRelay(t, { env: { ALIAS_API_TOKEN: MAX_TOKEN, ALIAS_API_USER: 'max' }, rules: USER_RULE, app: { aliasApiLimits: LIFTED_LIMITS } });
  // Every name the catch-all gives goes to you: only max@ itself reaches max.
  assert.equal((await created(relay.url, MAX_TOKEN, 'max.example')).email, 'max@destroy.systems');
  const none = await createAlias(relay.url, MAX_TOKEN, 'github.com');
  assert.equal(none.status, 406, 'no name the rules send to max alone');
  assert.match(((await none.json()) as { message: string }).message, /forward to max alone/);

  const stranger = await listeningRelay(t, { env: { ALIAS_API_TOKEN: MAX_TOKEN, ALIAS_API_USER: 'nobody' }, rules: USER_RULE });
  assert.equal((await createAlias(stranger.url, MAX_TOKEN, 'github.com')).status, 403);
});

// Random word pairs (`bareko.tisu`) go to max, every site name to you.
const TWO_USERS = `domains: [destroy.systems]
users:
  you: "you+{service}@gmail.com"
  max: "max+{service}@fastmail.com"
rules:
  - match: "{user}"
  - match: "*.*"
    user: max
  - match: "{service}"
    user: you
`;

test("each user's own token (ALIAS_API_TOKEN_<USER>) makes, lists and deletes only that user's aliases; the operator's are never its", async (t) => {
  const relay = await listeningRelay(t, {
    env: { ALIAS_API_TOKEN: YOU_TOKEN, ALIAS_API_TOKEN_MAX: MAX_TOKEN, ADMIN_TOKEN },
    rules: TWO_USERS,
    app: { aliasApiLimits: LIFTED_LIMITS },
  });
  const yours = await created(relay.url, YOU_TOKEN, 'github.com');
  assert.equal(yours.email, 'github@destroy.systems');
  // Max's token, same site: github, github-2… all reach you, so max gets a word pair, which reaches max.
  const his = await created(relay.url, MAX_TOKEN, 'github.com');
  assert.match(his.email, /^[a-z]{6}\.[a-z]{4}@destroy\.systems$/);
  assert.deepEqual(await reaches(relay, his.email), ['max@fastmail.com'], 'a rule without {service}: max\'s plain address');

  // The operator adds one with the CLI's API; it reaches you, but was not made with your token.
  assert.equal((await adminPost(relay.app, 'planned@destroy.systems')).statusCode, 200);
  await adminPost(relay.app, 'blocked-by-me@destroy.systems', 'block');

  assert.deepEqual((await listAliases(relay.url, YOU_TOKEN)).data.map((a) => a.email), ['github@destroy.systems']);
  assert.deepEqual((await listAliases(relay.url, MAX_TOKEN)).data.map((a) => a.email), [his.email]);

  // Neither can delete the other's, by id or by address, nor the operator's.
  assert.equal((await deleteAlias(relay.url, YOU_TOKEN, his.id)).status, 404);
  assert.equal((await deleteAlias(relay.url, YOU_TOKEN, his.email)).status, 404);
  assert.equal((await deleteAlias(relay.url, MAX_TOKEN, yours.id)).status, 404);
  assert.equal((await deleteAlias(relay.url, YOU_TOKEN, 'planned@destroy.systems')).status, 404);
  const planned = await aliases(relay.app, '?address=planned@destroy.systems');
  assert.equal(planned[0]?.blocked, false, "the operator's alias is untouched");
  assert.equal((await post(relay.app, mail('planned@destroy.systems', { clock: relay.clock }))).statusCode, 200);
  assert.equal((await post(relay.app, mail(his.email, { clock: relay.clock }))).statusCode, 200, "max's alias still forwards");

  // Each deletes its own: blocked, and listed inactive to its owner only.
  assert.equal((await deleteAlias(relay.url, MAX_TOKEN, his.id)).status, 204);
  assert.equal((await post(relay.app, mail(his.email, { clock: relay.clock }))).statusCode, 406);
  assert.deepEqual((await listAliases(relay.url, MAX_TOKEN)).data.map((a) => [a.email, a.active]), [[his.email, false]]);
  assert.deepEqual((await listAliases(relay.url, YOU_TOKEN)).data.map((a) => a.email), ['github@destroy.systems']);
});

test('ALIAS_API_TOKEN_<USER>: the name upper-cased, every character outside A–Z and 0–9 made _; a name two users share is nobody\'s', async (t) => {
  const rules = `domains: [destroy.systems]
users:
  max.power: "max+{service}@fastmail.com"
  a-b: "ab+{service}@fastmail.com"
  a_b: "a_b+{service}@fastmail.com"
rules:
  - match: "{user}"
`;
  const relay = await listeningRelay(t, { env: { ALIAS_API_TOKEN_MAX_POWER: MAX_TOKEN, ALIAS_API_TOKEN_A_B: YOU_TOKEN }, rules, app: { aliasApiLimits: LIFTED_LIMITS } });
  // Only `{user}` routes here, so no generated name reaches max.power: 406, answered as max.power (not 401).
  const res = await createAlias(relay.url, MAX_TOKEN, 'github.com');
  assert.equal(res.status, 406);
  assert.match(((await res.json()) as { message: string }).message, /forward to max\.power alone/);
  assert.equal((await listAliases(relay.url, MAX_TOKEN)).meta.total, 0);
  assert.equal((await createAlias(relay.url, YOU_TOKEN, 'github.com')).status, 401, 'a-b and a_b both make A_B');
});
