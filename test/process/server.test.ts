import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN, ROOT, startRelay } from '../helpers/relay-process.js';
import { startMailgunApi, isSend } from '../support/mailgun-api.js';
import { freshSignatureBlock, parsedUrlencoded, sampleMessage } from '../support/fixtures.js';

const CLI = join(ROOT, 'src/cli/main.ts');

function run(file: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return once(child, 'exit').then(([code]) => ({ code: code as number | null, out }));
}

test('refuses to start when MAILGUN_API_KEY is set without MAILGUN_WEBHOOK_SIGNING_KEY, naming the variable', async () => {
  const { code, out } = await run(MAIN, [], { MAILGUN_API_KEY: 'key-x', PORT: '0' });
  assert.equal(code, 1);
  assert.match(out, /MAILGUN_WEBHOOK_SIGNING_KEY is required/);
});

test('refuses to start on an invalid rules file, with file:line:col', async () => {
  const { code, out } = await run(MAIN, [], { RULES_FILE: join(ROOT, 'test/process/no-such-rules.yaml'), PORT: '0' });
  assert.equal(code, 1);
  assert.match(out, /no-such-rules\.yaml:\d+:\d+/);
});

test('outbox mode from nothing: the relay says so, and `plus-relay simulate` puts a message in the outbox', async (t) => {
  const outbox = await mkdtemp(join(tmpdir(), 'plus-relay-outbox-'));
  const relay = await startRelay({ OUTBOX_DIR: outbox });
  t.after(() => relay.child.kill('SIGKILL'));
  assert.match(relay.output(), /MAILGUN_API_KEY is not set/);
  assert.match(relay.output(), /development key/);
  for (const args of [['simulate', 'github@example.com', '--url', relay.url], ['simulate', 'github@example.com', '--url', relay.url, '--mime']]) {
    const { code, out } = await run(CLI, args, {});
    assert.equal(code, 0, out);
  }
  const records = await Promise.all((await readdir(outbox)).filter((f) => f.endsWith('.json')).map(async (f) => JSON.parse(await readFile(join(outbox, f), 'utf8'))));
  assert.equal(records.length, 2);
  for (const record of records) assert.deepEqual(record.to, ['you+github@gmail.com']);
  const rejected = await run(CLI, ['simulate', 'someone@not-ours.example', '--url', relay.url], {});
  assert.equal(rejected.code, 1);
  assert.match(rejected.out, /406/);
});

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((ok) => {
    const socket = connect({ host, port }, () => (socket.destroy(), ok(true)));
    socket.once('error', () => ok(false));
  });
}

// 127.0.0.2 is loopback too on Linux, but a socket bound to 127.0.0.1 does not accept it: it tells "loopback
// only" from "every interface" without needing another network interface.
test('HOST unset: outbox mode (public development key) listens on 127.0.0.1 only and says so; with an API key, on every interface', async (t) => {
  const outbox = await mkdtemp(join(tmpdir(), 'plus-relay-outbox-'));
  const local = await startRelay({ HOST: undefined, OUTBOX_DIR: outbox });
  t.after(() => local.child.kill('SIGKILL'));
  const localPort = Number(new URL(local.url).port);
  assert.match(local.output(), /HOST is not set and there is no MAILGUN_API_KEY: listening on 127\.0\.0\.1 only/);
  assert.equal(await accepts('127.0.0.1', localPort), true);
  assert.equal(await accepts('127.0.0.2', localPort), false, 'not reachable on another address');

  const api = await startMailgunApi({ key: 'key-host-test' });
  t.after(() => api.close());
  const deployed = await startRelay({ HOST: undefined, MAILGUN_API_KEY: 'key-host-test', MAILGUN_WEBHOOK_SIGNING_KEY: 'signing-host-test', MAILGUN_API_URL: api.url });
  t.after(() => deployed.child.kill('SIGKILL'));
  const deployedPort = Number(new URL(deployed.url).port);
  assert.equal(await accepts('127.0.0.2', deployedPort), true, 'a deployed relay listens on 0.0.0.0');
  assert.doesNotMatch(deployed.output(), /HOST is not set/);
});

test('SIGTERM: stops taking requests, lets the in-flight forward finish, exits 0; logs hold no secrets or bodies', async (t) => {
  const api = await startMailgunApi({ key: 'key-secret-api' });
  t.after(() => api.close());
  api.failWhen(isSend, { kind: 'delay', ms: 800 }, 1);
  const signingKey = 'signing-secret-key-xyz';
  const relay = await startRelay({ MAILGUN_API_KEY: 'key-secret-api', MAILGUN_WEBHOOK_SIGNING_KEY: signingKey, MAILGUN_API_URL: api.url });
  t.after(() => relay.child.kill('SIGKILL'));
  const block = freshSignatureBlock(signingKey);
  const body = parsedUrlencoded([...sampleMessage({ recipient: 'github@example.com', bodyPlain: 'BODY-SENTINEL-42' }).fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
  const inFlight = fetch(`${relay.url}/mailgun/inbound`, { method: 'POST', body: body.payload, headers: body.headers });
  await new Promise((r) => setTimeout(r, 300));
  const exited = once(relay.child, 'exit');
  relay.child.kill('SIGTERM');
  const res = await inFlight;
  assert.equal(res.status, 200, await res.text());
  const [code] = await exited;
  assert.equal(code, 0, relay.output());
  assert.equal(api.sent.length, 1);
  await assert.rejects(fetch(`${relay.url}/healthz`), 'the port is closed after shutdown');
  const log = relay.output();
  assert.match(log, /"outcome":"forwarded"/);
  // JSON lines are written in batches (src/log-format.ts): the last one, logged just before process.exit, still is.
  assert.match(log, /"msg":"stopped"/);
  for (const secret of ['key-secret-api', signingKey, block.signature, 'BODY-SENTINEL-42']) assert.ok(!log.includes(secret), `log leaks ${secret}`);
});

// The image sets HOST=0.0.0.0. Deployed without MAILGUN_API_KEY it is an outbox, and without a signing key of its
// own it would take POSTs signed with the development key, which is public: anyone who can reach it could fill the
// disk. It does not start, and says in one line what to set.
test('the image without keys (HOST=0.0.0.0, no signing key) refuses to start in one line that names what to set', { timeout: 30_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'plus-relay-data-'));
  const { code, out } = await run(MAIN, [], { PORT: '0', HOST: '0.0.0.0', DATA_DIR: dataDir, OUTBOX_DIR: join(dataDir, 'outbox'), RULES_FILE: join(ROOT, 'rules.yaml') });
  assert.equal(code, 1, out);
  assert.equal(out.trim().split('\n').length, 1, out);
  assert.match(out, /^plus-relay: cannot start: HOST=0\.0\.0\.0 would accept POSTs signed with the public development key: set MAILGUN_WEBHOOK_SIGNING_KEY/);
});

test('a signing key that is the API key starts, with a warning that says which key to use', async (t) => {
  const api = await startMailgunApi({ key: 'key-used-twice' });
  t.after(() => api.close());
  const relay = await startRelay({ MAILGUN_API_KEY: 'key-used-twice', MAILGUN_WEBHOOK_SIGNING_KEY: 'key-used-twice', MAILGUN_API_URL: api.url });
  t.after(() => relay.child.kill('SIGKILL'));
  const deadline = Date.now() + 5000;
  while (!/MAILGUN_WEBHOOK_SIGNING_KEY is the API key/.test(relay.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.match(relay.output(), /MAILGUN_WEBHOOK_SIGNING_KEY is the API key/);
  assert.ok(!relay.output().includes('key-used-twice'), 'the key itself is not logged');
});
