// The bundle (scripts/bundle.mjs) is what `npm start` and the image run, and a bundler may change what the code
// gets: bundled, mailauth's functions came out undefined, and every raw message skipped the DMARC check unnoticed
// (its catch-all called it a DNS error and forwarded the sender's bytes). Here the built bundle runs as production
// runs it and gets a parsed message and a raw one From a p=reject domain with no signature: the raw one must be
// checked (its policy asked of the DNS server) and sent From the relay's own address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { API_KEY, RULES, SIGNING_KEY } from '../helpers/build.js';
import { ROOT, startRelay } from '../helpers/relay-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { BUNDLE_ENTRY } from '../../scripts/bundle.mjs';
import { startMailgunApi } from '../support/mailgun-api.js';
import { startDnsServer } from '../support/dns-server.js';
import { freshSignatureBlock, parsedUrlencoded, rawModeFields, rawUrlencoded, sampleMessage, sampleMime } from '../support/fixtures.js';

const ALIAS = 'github@destroy.systems';
const RELAY_FROM = /^From: "Bob \(bob@example\.net\) via plus-relay" <relay@destroy\.systems>\r?$/m;

type Fields = readonly (readonly [string, string])[];

function signed(fields: Fields): Fields {
  const block = freshSignatureBlock(SIGNING_KEY);
  return [...fields, ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]];
}

/**
 * `npm run build` itself, of the sources as they are, in a folder of the test's own (the checkout's dist/ may be
 * older than src/, and other tests read it): what the build reads is copied there, beside a link to node_modules.
 */
async function buildBundle(dir: string): Promise<string> {
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const name of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts']) await cp(join(ROOT, name), join(dir, name), { recursive: true });
  const build = spawnSync('npm', ['run', 'build'], { cwd: dir, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  return join(dir, BUNDLE_ENTRY);
}

test('the bundle npm start runs forwards a parsed message, and checks DMARC on a raw one', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t, 'bundle');
  const entry = await buildBundle(dir);

  const api = await startMailgunApi({ key: API_KEY });
  t.after(() => api.close());
  const dns = await startDnsServer({ '_dmarc.example.net': ['v=DMARC1; p=reject'] });
  t.after(() => dns.close());
  await writeFile(join(dir, 'rules.yaml'), RULES);
  const relay = await startRelay(
    { RULES_FILE: join(dir, 'rules.yaml'), MAILGUN_API_KEY: API_KEY, MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY, MAILGUN_API_URL: api.url, DNS_SERVERS: dns.address },
    { entry, nodeArgs: ['--expose-gc'], startTimeoutMs: 60_000 },
  );
  t.after(() => relay.child.kill('SIGKILL'));

  const parsed = parsedUrlencoded(signed(sampleMessage({ recipient: ALIAS }).fields));
  const first = await request(`${relay.url}/mailgun/inbound`, { method: 'POST', headers: parsed.headers, body: parsed.payload });
  assert.equal(first.statusCode, 200, await first.body.text());
  assert.equal(api.sent.length, 1, 'the parsed message was sent');

  const raw = rawUrlencoded(sampleMime({ from: 'Bob <bob@example.net>' }), signed(rawModeFields(sampleMessage({ recipient: ALIAS }))));
  const second = await request(`${relay.url}/mailgun/inbound/mime`, { method: 'POST', headers: raw.headers, body: raw.payload });
  assert.equal(second.statusCode, 200, await second.body.text());
  assert.ok(dns.questions.some((q) => q.name === '_dmarc.example.net'), `the policy was asked for; DNS saw ${JSON.stringify(dns.questions)}`);
  const sent = api.sent.at(-1)?.mime?.toString('latin1') ?? '';
  assert.match(sent, RELAY_FROM, 'an unsigned message From a p=reject domain is sent From the relay');
  assert.doesNotMatch(relay.output(), /dns-error/);
});
