// `plus-relay send-as`, run in-process against the loopback Mailgun API stand-in: what a user types into Gmail to
// reply as their alias, and what the command asked Mailgun to do.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sendAs } from '../../src/cli/send-as.js';
import { smtpHost } from '../../src/cli/mailgun-client.js';
import { startMailgunApi, type Credential } from '../support/mailgun-api.js';
import { recordingIO } from '../helpers/cli-io.js';
import { tempDir } from '../helpers/temp-dir.js';

const KEY = 'key-send-as-secret';
const RULES = `
domains: [destroy.systems, mail.destroy.systems, other.example]
users:
  owner: "personalemail+{service}@gmail.com"
rules:
  - match: abuse
    reject: true
  - match: "{service}"
    user: owner
`;

async function setup(t: TestContext, credentials: Credential[] = []) {
  const stand = await startMailgunApi({ key: KEY, credentials });
  t.after(() => stand.close());
  const dir = await tempDir(t, 'send-as');
  await writeFile(join(dir, 'rules.yaml'), RULES);
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const rec = recordingIO(dir, { MAILGUN_API_KEY: KEY, MAILGUN_API_URL: stand.url, ...env });
    return { code: await sendAs(args, rec.io), ...rec };
  };
  const calls = () => stand.calls.map((c) => `${c.method} ${c.path} ${c.outcome}`);
  return { stand, dir, run, calls };
}

const line = (label: string, value: string) => `  ${`${label}:`.padEnd(19)}${value}`;
const occurrences = (text: string, part: string) => text.split(part).length - 1;
const existing = (password: string): Credential => ({ domain: 'destroy.systems', login: 'github@destroy.systems', password, created_at: 'Mon, 01 Jan 2024 00:00:00 GMT' });

test('creates the SMTP login for the alias and prints what to type into Gmail, the password exactly once', async (t) => {
  const { stand, run, calls } = await setup(t);
  const { code, out, err, all } = await run(['GitHub@destroy.systems']);
  assert.equal(code, 0, err.join('\n'));
  assert.deepEqual(err, []);
  const [credential, ...more] = stand.credentials;
  assert.deepEqual(more, []);
  assert.equal(credential?.login, 'github@destroy.systems');
  assert.equal(credential.domain, 'destroy.systems');
  assert.match(credential.password, /^[A-Za-z2-9]{32}$/);
  assert.deepEqual(calls(), ['GET /v3/domains/destroy.systems/credentials 200', 'POST /v3/domains/destroy.systems/credentials 200']);

  assert.equal(out[0], 'create the SMTP login github@destroy.systems on destroy.systems');
  for (const expected of [line('Email address', 'github@destroy.systems'), line('SMTP Server', 'smtp.mailgun.org'), line('Port', '587'), line('Username', 'github@destroy.systems'), line('Password', credential.password), '  Secured connection using TLS (recommended)']) {
    assert.ok(out.includes(expected), `missing line ${JSON.stringify(expected)}`);
  }
  assert.ok(out.some((l) => l.includes('confirmation code to github@destroy.systems, which the relay forwards to personalemail+github@gmail.com')), out.join('\n'));
  assert.equal(occurrences(all(), credential.password), 1, 'the password is printed once');
});

test('an existing login gets a new password (PUT), never a second login', async (t) => {
  const { stand, run, calls } = await setup(t, [existing('old-password')]);
  const { code, out } = await run(['github@destroy.systems']);
  assert.equal(code, 0);
  assert.equal(stand.credentials.length, 1);
  assert.notEqual(stand.credentials[0]?.password, 'old-password');
  assert.ok(out.includes(line('Password', stand.credentials[0]?.password ?? '')));
  assert.match(out[0] ?? '', /^set a new password for the SMTP login github@destroy\.systems on destroy\.systems/);
  assert.deepEqual(calls(), ['GET /v3/domains/destroy.systems/credentials 200', 'PUT /v3/domains/destroy.systems/credentials/github@destroy.systems 200']);
});

test('a login created between the list and the create (another run): Mailgun refuses the create, the password is set instead', async (t) => {
  const { stand, run, calls } = await setup(t, [existing('old-password')]);
  stand.failWhen((r) => r.method === 'GET' && r.path.endsWith('/credentials'), { kind: 'status', status: 200, body: { total_count: 0, items: [] } }, 1);
  const { code } = await run(['github@destroy.systems']);
  assert.equal(code, 0);
  assert.deepEqual(calls(), [
    'GET /v3/domains/destroy.systems/credentials 200',
    'POST /v3/domains/destroy.systems/credentials 400',
    'GET /v3/domains/destroy.systems/credentials 200',
    'PUT /v3/domains/destroy.systems/credentials/github@destroy.systems 200',
  ]);
  assert.notEqual(stand.credentials[0]?.password, 'old-password');
});

test('--password-file: its content minus the trailing newline is the password, and it is never printed', async (t) => {
  const { stand, dir, run } = await setup(t);
  for (const [file, content] of [['pw.txt', 'correct-horse-battery\n'], ['pw-crlf.txt', 'correct-horse-battery\r\n']] as const) {
    await writeFile(join(dir, file), content);
    const { code, out, all } = await run(['github@destroy.systems', '--password-file', file]);
    assert.equal(code, 0);
    assert.equal(stand.credentials[0]?.password, 'correct-horse-battery', file);
    assert.ok(out.includes(line('Password', `the contents of ${file}`)));
    assert.equal(occurrences(all(), 'correct-horse-battery'), 0, `${file}: the given password is not echoed`);
  }
});

test('passwords Mailgun would refuse, and unreadable files, are refused before any API call', async (t) => {
  const { stand, dir, run } = await setup(t);
  const cases: Array<[string, RegExp]> = [['abcd\n', /has 4 characters: Mailgun takes 5 to 32/], [`${'x'.repeat(33)}\n`, /has 33 characters/], ['two\nlines\n', /line break/]];
  for (const [content, problem] of cases) {
    await writeFile(join(dir, 'pw.txt'), content);
    const { code, err, all } = await run(['github@destroy.systems', '--password-file', 'pw.txt']);
    assert.equal(code, 2, content);
    assert.match(err[0] ?? '', problem);
    assert.equal(occurrences(all(), content.trim().split('\n')[0] ?? ''), 0, 'the refused password is not echoed');
  }
  const missing = await run(['github@destroy.systems', '--password-file', 'nope.txt']);
  assert.equal(missing.code, 2);
  assert.match(missing.err[0] ?? '', /cannot read --password-file nope\.txt: ENOENT/);
  assert.equal(stand.requests, 0);
});

test("addresses that are not on the relay's domains, or not addresses, are refused before any API call", async (t) => {
  const { stand, run } = await setup(t);
  const foreign = await run(['me@gmail.com']);
  assert.equal(foreign.code, 2);
  assert.match(foreign.err[0] ?? '', /me@gmail\.com is not on one of the relay's domains \(destroy\.systems, mail\.destroy\.systems, other\.example\)/);
  for (const args of [['github'], ['a@b@destroy.systems'], ['Bob <bob@destroy.systems>'], [], ['a@destroy.systems', 'b@destroy.systems']]) {
    assert.equal((await run(args)).code, 2, JSON.stringify(args));
  }
  assert.equal(stand.requests, 0);
});

test('--dry-run looks, changes nothing and prints no password', async (t) => {
  const { stand, run, calls } = await setup(t);
  const { code, out } = await run(['github@destroy.systems', '--dry-run']);
  assert.equal(code, 0);
  assert.deepEqual(stand.credentials, []);
  assert.deepEqual(calls(), ['GET /v3/domains/destroy.systems/credentials 200']);
  assert.equal(out[0], 'would create the SMTP login github@destroy.systems on destroy.systems');
  assert.ok(out.includes(line('Password', '(generated when you run this without --dry-run)')));
  assert.equal(out.at(-1), 'dry run: nothing was changed');
});

test('the sending domain is MAILGUN_DOMAIN, else the first rules domain; a login lives there, with a warning across organisations', async (t) => {
  const { stand, run } = await setup(t);
  const sub = await run(['github@destroy.systems'], { MAILGUN_DOMAIN: 'mail.destroy.systems' });
  assert.equal(sub.code, 0);
  assert.deepEqual(sub.err, [], 'the same organisation: aligned, no warning');
  assert.ok(sub.out.includes(line('Username', 'github@mail.destroy.systems')));
  assert.ok(sub.out.includes(line('Email address', 'github@destroy.systems')));

  const other = await run(['shop@other.example']);
  assert.equal(other.code, 0);
  assert.ok(other.out.includes(line('Username', 'shop@destroy.systems')));
  assert.match(other.err[0] ?? '', /^warning: Mailgun signs what destroy\.systems sends; mail From other\.example then fails DMARC/);
  assert.deepEqual(stand.credentials.map((c) => `${c.login} on ${c.domain}`), ['github@mail.destroy.systems on mail.destroy.systems', 'shop@destroy.systems on destroy.systems']);
});

test("an alias the rules reject still gets its login, with a warning that Gmail's code cannot arrive", async (t) => {
  const { run } = await setup(t);
  const { code, err } = await run(['abuse@destroy.systems']);
  assert.equal(code, 0);
  assert.match(err.join('\n'), /rules\.yaml rejects mail to abuse@destroy\.systems .*confirmation code would not reach you/);
});

test('API problems are explained without the key or a password; exit 1', async (t) => {
  const { stand, run } = await setup(t);
  const wrong = await run(['github@destroy.systems'], { MAILGUN_API_KEY: 'key-wrong' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.err[0] ?? '', /MAILGUN_API_KEY was refused/);
  assert.doesNotMatch(wrong.all(), /key-wrong|Password:/);

  stand.failWhen((r) => r.method === 'GET', { kind: 'status', status: 404, body: { message: 'Domain not found' } }, 1);
  const missing = await run(['github@destroy.systems']);
  assert.equal(missing.code, 1);
  assert.match(missing.err[0] ?? '', /destroy\.systems is not a domain of this Mailgun account/);
  assert.doesNotMatch(missing.all(), /Password:/);

  const noKey = await run(['github@destroy.systems'], { MAILGUN_API_KEY: '' });
  assert.equal(noKey.code, 1);
  assert.match(noKey.err[0] ?? '', /MAILGUN_API_KEY is not set/);
  assert.deepEqual(stand.credentials, []);
});

test('the SMTP server follows the API region', () => {
  assert.equal(smtpHost('https://api.mailgun.net'), 'smtp.mailgun.org');
  assert.equal(smtpHost('https://api.eu.mailgun.net'), 'smtp.eu.mailgun.org');
  assert.equal(smtpHost('https://API.EU.MAILGUN.NET/'), 'smtp.eu.mailgun.org');
  assert.equal(smtpHost('http://127.0.0.1:8080'), 'smtp.mailgun.org');
});
