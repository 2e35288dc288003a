// `plus-relay alias import FILE` against a listening relay (real HTTP): an owner moving from another service makes
// their aliases known in one call, from a plain list or from a CSV export, and their mail then passes
// `new_aliases: reject` and never spends the new-alias budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, testClock } from '../helpers/build.js';
import { ADMIN_TOKEN, aliases as apiAliases, bearer } from '../helpers/admin.js';
import { recordingIO } from '../helpers/cli-io.js';
import { mail, post } from '../helpers/mail.js';
import { tempDir } from '../helpers/temp-dir.js';
import { alias } from '../../src/cli/alias.js';

const rules = (newAliases: 'reject' | 'accept') => `domains: [destroy.systems]
new_aliases: ${newAliases}
users:
  me: "me+{service}@gmail.com"
rules:
  - match: "{service}"
    user: me
limits:
  per_target: {per_minute: 100000, per_hour: 100000}
`;

async function relay(t: Parameters<typeof build>[0], newAliases: 'reject' | 'accept' = 'reject') {
  const clock = testClock();
  const built = await build(t, { env: { ADMIN_TOKEN }, clock, rules: rules(newAliases) });
  const url = await built.app.listen({ host: '127.0.0.1', port: 0 });
  const dir = await tempDir(t, 'alias-import');
  const { io, out, err } = recordingIO(dir, { ADMIN_TOKEN });
  const file = async (name: string, text: string) => (await writeFile(join(dir, name), text), name);
  return { ...built, clock, url, io, out, err, file };
}

// addy.io's export: the address in an `email` column among others, notes quoted (commas, quotes, a line break).
const ADDY = `id,user_id,local_part,domain,email,description,active,created_at
"0b6e7f5c-1",u1,github,destroy.systems,GitHub@Destroy.Systems,"Code, issues and ""stars""",1,2023-01-02 10:00:00
"0b6e7f5c-2",u1,bank,destroy.systems,bank@destroy.systems,"Statements
and letters",1,2023-02-03 11:00:00
"0b6e7f5c-3",u1,shop,destroy.systems,shop@destroy.systems,,0,2023-03-04 12:00:00
`;
// SimpleLogin's: CRLF line ends, the column spelled with a capital, the address not first.
const SIMPLELOGIN = 'alias_id,Email,note,enabled,mailboxes\r\n11,news@destroy.systems,"Weekly, in German",True,me@gmail.com\r\n12,travel@destroy.systems,,True,me@gmail.com\r\n';

test('a line file and CSV exports are imported in one call each; their aliases then pass new_aliases: reject', async (t) => {
  const { app, api, clock, url, io, out, err, file } = await relay(t);
  assert.equal((await post(app, mail('forum@destroy.systems', { clock }))).statusCode, 406, 'unknown: refused under new_aliases: reject');

  const lines = await file('aliases.txt', '# moved from addy.io\r\nForum@destroy.systems\r\n\r\n  tickets@destroy.systems  \n# done\n');
  assert.equal(await alias(['import', lines, '--url', url], io), 0, err.join('\n'));
  assert.deepEqual(out, ['imported 2 aliases from aliases.txt: they receive mail even with new_aliases: reject', 'inventory: 2 of 5000 imported']);
  out.length = 0;
  assert.equal(await alias(['import', await file('addy.csv', ADDY), '--url', url], io), 0, err.join('\n'));
  assert.equal(await alias(['import', await file('simplelogin.csv', SIMPLELOGIN), '--url', url], io), 0, err.join('\n'));
  assert.deepEqual(out.filter((l) => l.startsWith('imported')), [
    'imported 3 aliases from addy.csv: they receive mail even with new_aliases: reject',
    'imported 2 aliases from simplelogin.csv: they receive mail even with new_aliases: reject',
  ]);
  for (const address of ['forum', 'tickets', 'github', 'bank', 'shop', 'news', 'travel']) {
    assert.equal((await post(app, mail(`${address}@destroy.systems`, { clock }))).statusCode, 200, address);
  }
  assert.equal((await post(app, mail('other@destroy.systems', { clock }))).statusCode, 406, 'only what was imported');
  assert.equal(api.sent.length, 7);
  const listing = await app.inject({ method: 'GET', url: '/admin/aliases', headers: bearer() });
  assert.deepEqual([listing.json().inventory.imported, listing.json().inventory.operator], [7, 0], "the operator's own room is untouched");
  const [github] = await apiAliases(app, '?address=github@destroy.systems');
  assert.equal(github?.forwarded, 1);
  // Importing again changes nothing and is not an error.
  out.length = 0;
  assert.equal(await alias(['import', lines, '--url', url], io), 0);
  assert.equal((await apiAliases(app, '')).length, 8);
  assert.deepEqual(err, []);
});

test('a wrong line is named file:line and nothing of the file is imported', async (t) => {
  const { app, url, io, err, file } = await relay(t);
  const cases: Array<[string, string, RegExp]> = [
    ['typo.txt', 'one@destroy.systems\n# fine\ntwo@destroy.systems, three@destroy.systems\n', /^typo\.txt:3: "two@destroy\.systems, three@destroy\.systems" is not one plain address/],
    ['syntax.txt', 'one@destroy.systems\n\nnot an address\n', /^syntax\.txt:3: "not an address" is not one plain address/],
    ['foreign.txt', 'one@destroy.systems\n# the next is not ours\nme@elsewhere.example\n', /^plus-relay: foreign\.txt:3: elsewhere\.example is not one of the relay's domains .*; nothing was imported$/],
    ['nocol.csv', 'id,address\n1,one@destroy.systems\n', /^nocol\.csv:1: a CSV needs an "email" column in its header row \(found: id, address\)/],
    ['open.csv', 'email,note\none@destroy.systems,"never closed\n', /^open\.csv:2: a quoted CSV field is never closed/],
    ['badrow.csv', 'note,EMAIL\r\n"a, b",one@destroy.systems\r\n"multi\r\nline",two@destroy.systems\r\nx,three@\r\n', /^badrow\.csv:5: "three@" is not one plain address/],
  ];
  for (const [name, text, expected] of cases) {
    err.length = 0;
    assert.equal(await alias(['import', await file(name, text), '--url', url], io), 1, name);
    assert.match(err[0] ?? '', expected, name);
  }
  assert.equal((await app.inject({ method: 'GET', url: '/admin/aliases', headers: bearer() })).json().inventory.imported, 0, 'nothing half-imported');
  for (const [args, expected] of [
    [['import'], /expected exactly one file/],
    [['import', 'a.txt', 'b.txt'], /expected exactly one file/],
    [['import', 'a.txt', '--description', 'x'], /--description is for alias add/],
    [['imprt', 'a.txt'], /unknown subcommand "imprt": did you mean import\?/],
  ] as const) {
    err.length = 0;
    assert.equal(await alias([...args, '--url', url], io), 2);
    assert.match(err.join('\n'), expected);
  }
  err.length = 0;
  assert.equal(await alias(['import', 'missing.txt', '--url', url], io), 1);
  assert.match(err[0] ?? '', /cannot read missing\.txt: ENOENT/);
});

test('2,000 aliases in one import; the batch is bounded; imported aliases never spend the new-alias budget', async (t) => {
  const { app, api, clock, url, io, out, err, file } = await relay(t, 'accept');
  const many = Array.from({ length: 2000 }, (_, i) => `old${i}@destroy.systems`);
  assert.equal(await alias(['import', await file('many.txt', many.join('\n')), '--url', url], io), 0, err.join('\n'));
  assert.equal(out[0], 'imported 2000 aliases from many.txt: they receive mail even with new_aliases: reject');
  // 60 of them mailed within a minute: more than the hour's 50 new aliases, all forwarded, none refused or held.
  const codes = [];
  for (let i = 0; i < 60; i++) codes.push((await post(app, mail(`old${i * 7}@destroy.systems`, { clock }))).statusCode);
  assert.deepEqual(new Set(codes), new Set([200]));
  assert.equal(api.sent.length, 60);
  // The API's bound: a clear 413, nothing imported; an empty or malformed batch is a 400.
  const batch = (aliases: string[]) =>
    app.inject({ method: 'POST', url: '/admin/aliases/import', headers: { ...bearer(), 'content-type': 'application/json' }, payload: { aliases } });
  const post5001 = await batch(Array.from({ length: 5001 }, (_, i) => `x${i}@destroy.systems`));
  assert.equal(post5001.statusCode, 413);
  assert.match(post5001.json().message, /at most 5000 aliases in one import \(this one has 5001\)/);
  assert.equal((await batch([])).statusCode, 400);
  // 3,000 more do not fit in the 5,000 imported places with the 2,000 already there: 409, none of them imported.
  assert.equal((await batch(Array.from({ length: 3001 }, (_, i) => `more${i}@destroy.systems`))).statusCode, 409);
  assert.equal((await app.inject({ method: 'GET', url: '/admin/aliases', headers: bearer() })).json().inventory.imported, 2000);
});
