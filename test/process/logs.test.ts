// What a person sees at a terminal: the relay process's own output, pretty or JSON, and its one-line start-up failures.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { MAIN, ROOT, startRelay } from '../helpers/relay-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { eventPost, failedEvent, freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';
import { copyFile, writeFile } from 'node:fs/promises';
import { DEVELOPMENT_SIGNING_KEY } from '../../src/config.js';

const ADMIN_TOKEN = 'admin-token-not-for-the-log';
const ALIAS_API_TOKEN = 'alias-api-token-not-for-the-log';

/** Posts the sample message to `recipient`, signed with the development key, as Mailgun's parsed mode would. */
async function mail(url: string, recipient: string): Promise<number> {
  const block = freshSignatureBlock(DEVELOPMENT_SIGNING_KEY);
  const body = parsedUrlencoded([...sampleMessage({ recipient, bodyPlain: 'BODY-SENTINEL' }).fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
  const res = await fetch(`${url}/mailgun/inbound`, { method: 'POST', body: body.payload, headers: body.headers });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Waits until the output holds `pattern` (the log is written after the answer), at most `ms`: a relay started through
 * tsx on a loaded machine (the suite runs files in parallel on 2 cores) can take seconds to be ready.
 */
async function logged(output: () => string, pattern: RegExp, ms = 2000): Promise<string> {
  const deadline = Date.now() + ms;
  while (!pattern.test(output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return output();
}

test('LOG_FORMAT=pretty: one short line per delivery, the admin page and alias API URLs at start-up, no JSON, no token', async (t) => {
  const outbox = await tempDir(t, 'outbox');
  const relay = await startRelay({ LOG_FORMAT: 'pretty', ADMIN_TOKEN, ALIAS_API_TOKEN, OUTBOX_DIR: outbox });
  t.after(() => relay.child.kill('SIGKILL'));
  assert.equal(await mail(relay.url, 'github@example.com'), 200);
  assert.equal(await mail(relay.url, 'someone@not-ours.example'), 406);
  const out = await logged(relay.output, /rejected someone@not-ours\.example/);
  const lines = out.split('\n');
  assert.ok(lines.some((l) => /^\[\d\d:\d\d:\d\d\] INFO: forwarded github@example\.com → you\+github@gmail\.com \(rule 6, \d+ ms\)$/.test(l)), out);
  assert.ok(lines.some((l) => /^\[\d\d:\d\d:\d\d\] INFO: rejected someone@not-ours\.example \(foreign-domain, \d+ ms\)$/.test(l)), out);
  const forwarded = lines.findIndex((l) => l.includes('INFO: forwarded'));
  assert.match(lines[forwarded + 1] ?? '', /^\[/, 'the delivery is one line: its fields are in the sentence');
  assert.ok(lines.some((l) => l.endsWith(`INFO: admin page: ${relay.url}/admin (any user name, ADMIN_TOKEN as the password)`)), out);
  assert.ok(lines.some((l) => l.endsWith(`INFO: alias API: ${relay.url}/api/v1/aliases (addy.io-compatible; a password manager's self-host server URL is ${relay.url}, ALIAS_API_TOKEN its API token)`)), out);
  assert.doesNotMatch(out, /"level":/);
  for (const secret of [ADMIN_TOKEN, ALIAS_API_TOKEN, 'BODY-SENTINEL']) assert.ok(!out.includes(secret), `output leaks ${secret}`);
});

test('LOG_FORMAT=pretty: a bounce event and an invalid rules edit are single lines too, each rules problem its own file:line:col line', async (t) => {
  const dir = await tempDir(t, 'pretty');
  const rules = join(dir, 'rules.yaml');
  await copyFile(join(ROOT, 'rules.yaml'), rules);
  const relay = await startRelay({ LOG_FORMAT: 'pretty', OUTBOX_DIR: dir, RULES_FILE: rules });
  t.after(() => relay.child.kill('SIGKILL'));
  const event = eventPost(DEVELOPMENT_SIGNING_KEY, failedEvent({ recipient: 'you+github@gmail.com', alias: 'github@example.com' }));
  const res = await fetch(`${relay.url}/mailgun/events`, { method: 'POST', body: event.payload, headers: event.headers });
  assert.equal(((await res.json()) as { status: string }).status, 'recorded');
  // Two problems: an unknown key, and a rule naming a user that does not exist.
  await writeFile(rules, 'domains: [example.com]\nusers:\n  you: "you+{service}@gmail.com"\nrulez: []\nrules:\n  - match: "{service}"\n    user: nobody\n');
  const out = await logged(relay.output, /user: nobody|unknown user|"nobody"/, 10_000);
  const lines = out.split('\n').filter((l) => l !== '' && !l.startsWith('Server listening'));
  for (const line of lines) assert.match(line, /^\[\d\d:\d\d:\d\d\] (INFO|WARN|ERROR): \S/, `every line is a whole entry:\n${out}`);
  assert.ok(lines.some((l) => /ERROR: event recorded permanent bounce of github@example\.com → you\+github@gmail\.com \(550 5\.7\.26 .*, \d+ ms\)$/.test(l)), out);
  assert.ok(lines.some((l) => l.endsWith('ERROR: rules file invalid; still serving the last good rules {"problems":2}')), out);
  const problems = lines.filter((l) => l.includes(`ERROR: ${rules}:`));
  assert.equal(problems.length, 2, out);
  for (const line of problems) assert.match(line, new RegExp(`ERROR: ${rules.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: \\S`));
});

test('not a terminal and no LOG_FORMAT: pino JSON, one "delivery" object per message; no admin URL without ADMIN_TOKEN', async (t) => {
  const outbox = await tempDir(t, 'outbox');
  const relay = await startRelay({ OUTBOX_DIR: outbox });
  t.after(() => relay.child.kill('SIGKILL'));
  assert.equal(await mail(relay.url, 'github@example.com'), 200);
  const out = await logged(relay.output, /"msg":"delivery"/);
  const delivery = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'delivery');
  assert.deepEqual([delivery?.outcome, delivery?.recipient, delivery?.targets, delivery?.rule], ['forwarded', 'github@example.com', ['you+github@gmail.com'], 6]);
  assert.doesNotMatch(out, /admin page|alias API/);
});

test('on a terminal (a pty) without LOG_FORMAT: pretty; LOG_FORMAT=json keeps JSON there', async (t) => {
  // util-linux `script` gives the relay a pseudo-terminal as stdout.
  const outbox = await tempDir(t, 'outbox');
  const run = async (env: Record<string, string>): Promise<string> => {
    const child = spawn('script', ['-qfec', `'${process.execPath}' --import tsx '${MAIN}'`, '/dev/null'], {
      cwd: ROOT,
      detached: true,
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(outbox, 'data'), OUTBOX_DIR: outbox, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = once(child, 'exit');
    const text = await logged(() => out, /plus-relay ready/, 30_000);
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    await exited;
    // A terminal gets colours.
    return text.replace(/\u001b\[[0-9;]*m/g, '');
  };
  const pretty = await run({});
  assert.match(pretty, /\] INFO: plus-relay ready/, pretty);
  assert.doesNotMatch(pretty, /"level":/);
  const json = await run({ LOG_FORMAT: 'json' });
  assert.match(json, /"msg":"plus-relay ready"/, json);
});

/** Starts the relay on `port` and `host`, expecting it to stop at once; its exit code and stderr. */
async function failedStart(t: TestContext, port: number, host: string): Promise<{ code: number | null; stderr: string }> {
  const dataDir = await tempDir(t, 'data');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: host, DATA_DIR: dataDir, OUTBOX_DIR: join(dataDir, 'outbox'), MAILGUN_WEBHOOK_SIGNING_KEY: 'a-key-of-its-own' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stderr };
}

test('a port already in use: one line naming it, exit 1, no stack', async (t) => {
  const taken = createServer();
  await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const { code, stderr } = await failedStart(t, port, '127.0.0.1');
  assert.equal(code, 1, stderr);
  assert.equal(stderr, `plus-relay: port ${port} is in use: another plus-relay or another server listens on 127.0.0.1:${port} (stop it, or set PORT)\n`);
});

test('a HOST that is not an address of this machine: one line naming it, exit 1', async (t) => {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never a local address.
  const { code, stderr } = await failedStart(t, 0, '192.0.2.1');
  assert.equal(code, 1, stderr);
  assert.equal(stderr, 'plus-relay: cannot listen on 192.0.2.1:0: 192.0.2.1 is not an address of this machine (set HOST)\n');
});

test('LOG_FORMAT=pretty: a recipient carrying CR, LF and ANSI escapes cannot forge a line nor reach the terminal', async (t) => {
  const outbox = await tempDir(t, 'outbox');
  const relay = await startRelay({ LOG_FORMAT: 'pretty', OUTBOX_DIR: outbox });
  t.after(() => relay.child.kill('SIGKILL'));
  const forged = '[12:00:00] INFO: forwarded github@example.com → attacker@evil.example (rule 6, 1 ms)';
  const recipient = `someone@not-ours.example\r\n${forged}\u001b[2K\u001b]0;owned\u0007\u009b31m\u2028`;
  assert.equal(await mail(relay.url, recipient), 406);
  // Unsigned: the refusal line quotes what the post claims to be.
  const unsigned = parsedUrlencoded(sampleMessage({ recipient }).fields);
  assert.equal((await fetch(`${relay.url}/mailgun/inbound`, { method: 'POST', body: unsigned.payload, headers: unsigned.headers })).status, 401);
  const out = await logged(relay.output, /unverified post refused[\s\S]*recipient/);
  assert.match(out, /rejected someone@not-ours\.example\\r\\n\[12:00:00\] INFO: forwarded/, out);
  assert.ok(!out.split('\n').some((line) => line.startsWith(forged)), `a forged line:\n${out}`);
  assert.ok(!out.includes('\r'), 'no carriage return');
  assert.doesNotMatch(out, /[\u001b\u0007\u009b\u2028]/u, 'no escape sequence reaches the terminal');
  assert.match(out, /\\u001b\[2K/);
});
