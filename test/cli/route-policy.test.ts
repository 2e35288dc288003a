// `plus-relay route <address> --from SENDER` shows the policy decision beside the route, and `check` validates the
// policy keys (their file:line:col cases are in test/rules/policy.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { route } from '../../src/cli/route.js';
import { check } from '../../src/cli/check.js';
import { recordingIO } from '../helpers/cli-io.js';
import { tempDir } from '../helpers/temp-dir.js';

const RULES = `domains: [d.example]
senders:
  block: [spam.example, bad@other.example]
users:
  me: "me+{service}@gmail.com"
  bank:
    to: "me+bank@gmail.com"
    senders: {allow: [bank.example]}
rules:
  - match: "bank"
    user: bank
  - match: "{service}"
    user: me
`;

async function dir(t: { after(fn: () => Promise<void>): void }, text: string): Promise<string> {
  const d = await tempDir(t, 'route');
  await writeFile(join(d, 'rules.yaml'), text);
  return d;
}

test('route --from shows what the policy does with mail from that sender', async (t) => {
  const { io, out } = recordingIO(await dir(t, RULES));
  for (const args of [
    ['github@d.example', '--from', 'Deals <deals@mail.spam.example>'],
    ['github@d.example', '--from', 'bad@other.example'],
    ['github@d.example', '--from', 'noreply@github.com'],
    ['bank@d.example', '--from', 'alerts@bank.example'],
    ['bank@d.example', '--from', 'alerts@phish.example'],
  ]) {
    assert.equal(await route(args, io), 0);
  }
  assert.deepEqual(out, [
    'github@d.example → me+github@gmail.com (rule 1: "{service}", user me)',
    'policy: reject (from Deals <deals@mail.spam.example>: senders.block names deals@mail.spam.example)',
    'github@d.example → me+github@gmail.com (rule 1: "{service}", user me)',
    'policy: reject (from bad@other.example: senders.block names bad@other.example)',
    'github@d.example → me+github@gmail.com (rule 1: "{service}", user me)',
    'policy: forward (from noreply@github.com; blocks, spam marking and new senders are decided by the running relay)',
    'bank@d.example → me+bank@gmail.com (rule 0: "bank", user bank)',
    'policy: forward (from alerts@bank.example; blocks, spam marking and new senders are decided by the running relay)',
    'bank@d.example → me+bank@gmail.com (rule 0: "bank", user bank)',
    'policy: reject (from alerts@phish.example: senders.allow does not name alerts@phish.example)',
  ]);
  out.length = 0;
  assert.equal(await route(['--json', 'github@d.example', '--from', 'x@spam.example'], io), 0);
  assert.deepEqual(JSON.parse(out[0] ?? ''), { action: 'forward', to: ['me+github@gmail.com'], rule: 1, policy: { outcome: 'reject', reason: 'sender-blocked', to: [] } });
});

test('check reports a policy problem with file:line:col and exits 1', async (t) => {
  const { io, out, err } = recordingIO(await dir(t, RULES.replace('allow: [bank.example]', 'allow: [bank..example]')));
  assert.equal(await check([], io), 1);
  assert.deepEqual(out, []);
  assert.deepEqual(err, ['rules.yaml:8:23: "bank..example" is neither a domain (it matches its subdomains too) nor one full address']);
});
