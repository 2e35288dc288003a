import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { createOutboxTransport } from '../../src/forward/outbox.js';
import { systemClock } from '../../src/clock.js';
import { freshSignatureBlock, parsedUrlencoded, rawUrlencoded, rawModeFields, sampleMessage, sampleMime } from '../support/fixtures.js';

const rulesFor = (target: string) => `domains: [destroy.systems]\nusers:\n  owner: "${target}+{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: owner\n`;

function post(app: Awaited<ReturnType<typeof build>>['app'], recipient: string) {
  const block = freshSignatureBlock(SIGNING_KEY);
  const body = parsedUrlencoded([...sampleMessage({ recipient, subject: recipient }).fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
  return app.inject({ method: 'POST', url: '/mailgun/inbound', payload: body.payload, headers: body.headers });
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test('a valid edit of rules.yaml takes effect within two seconds; an invalid one keeps the last good rules', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plus-relay-rules-'));
  const file = join(dir, 'rules.yaml');
  await writeFile(file, rulesFor('first'));
  const { app, api } = await build(t, { rules: rulesFor('first'), app: { watchRulesFile: file } });
  assert.equal((await post(app, 'a@destroy.systems')).statusCode, 200);
  assert.deepEqual(api.sent.at(-1)?.to, ['first+a@gmail.com']);

  // Editors often write a new file and rename it over the old one.
  await writeFile(join(dir, 'rules.tmp'), rulesFor('second'));
  await rename(join(dir, 'rules.tmp'), file);
  let n = 0;
  const reloaded = await until(async () => {
    await post(app, `b${n++}@destroy.systems`);
    return api.sent.at(-1)?.to[0]?.startsWith('second+') ?? false;
  }, 2000);
  assert.ok(reloaded, 'the edit did not take effect within 2 s');

  await writeFile(file, 'domains: [destroy.systems]\nusers:\n  owner: "third+{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: nobody\n');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await post(app, 'c@destroy.systems')).statusCode, 200);
  assert.deepEqual(api.sent.at(-1)?.to, ['second+c@gmail.com'], 'an invalid edit must not replace the rules');
});

test('outbox mode: a forward becomes files holding the message and its targets', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plus-relay-outbox-'));
  const { app, api } = await build(t, { transport: () => createOutboxTransport(dir, systemClock) });
  const mime = sampleMime({ latin1Body: true });
  const block = freshSignatureBlock(SIGNING_KEY);
  const body = rawUrlencoded(mime, [...rawModeFields(sampleMessage({ recipient: 'github@destroy.systems' })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
  const res = await app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: body.payload, headers: body.headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(api.sent.length, 0, 'nothing goes to Mailgun');
  const files = (await readdir(dir)).sort();
  const json = files.find((f) => f.endsWith('.json'));
  const eml = files.find((f) => f.endsWith('.eml'));
  assert.ok(json && eml, files.join(', '));
  const record = JSON.parse(await readFile(join(dir, json), 'utf8'));
  assert.deepEqual(record.to, ['personalemail+github@gmail.com']);
  assert.ok((await readFile(join(dir, eml))).equals(mime));
  const health = (await app.inject('/healthz')).json();
  assert.equal(health.transport, 'outbox');
});
