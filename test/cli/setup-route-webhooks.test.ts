// setup-route also points the sending domain's permanent_fail and temporary_fail webhooks at the relay's events URL
// (the --url's origin + /mailgun/events): created once, updated in place, never duplicated; --dry-run shows it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setupRoute } from '../../src/cli/setup-route.js';
import { startMailgunApi, type MailgunApiOptions } from '../support/mailgun-api.js';
import { recordingIO } from '../helpers/cli-io.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'key-webhooks-secret';
const URL_RAW = 'https://relay.example/mailgun/inbound/mime';
const EVENTS = 'https://relay.example/mailgun/events';

async function api(t: TestContext, options: MailgunApiOptions = {}) {
  const stand = await startMailgunApi({ key: KEY, ...options });
  t.after(() => stand.close());
  return stand;
}

async function run(args: string[], stand: { url: string }, env: Record<string, string> = { MAILGUN_DOMAIN: 'mg.example' }, cwd = ROOT) {
  const rec = recordingIO(cwd, { MAILGUN_API_KEY: KEY, MAILGUN_API_URL: stand.url, ...env });
  return { code: await setupRoute(args, rec.io), ...rec };
}

const webhookWrites = (stand: { calls: Array<{ method: string; path: string }> }) => stand.calls.filter((c) => c.method !== 'GET' && c.path.includes('/webhooks')).map((c) => `${c.method} ${c.path}`);

test('creates both failure webhooks on the sending domain, then leaves them alone', async (t) => {
  const stand = await api(t);
  const first = await run(['--url', URL_RAW], stand);
  assert.equal(first.code, 0, first.all());
  assert.deepEqual(stand.webhooks, { 'mg.example': { permanent_fail: [EVENTS], temporary_fail: [EVENTS] } });
  const second = await run(['--url', 'https://relay.example/mailgun/inbound'], stand);
  assert.equal(second.code, 0);
  assert.deepEqual(second.out.slice(-2), [`webhook permanent_fail of mg.example is already up to date: ${EVENTS}`, `webhook temporary_fail of mg.example is already up to date: ${EVENTS}`]);
  assert.deepEqual(webhookWrites(stand), ['POST /v3/domains/mg.example/webhooks', 'POST /v3/domains/mg.example/webhooks']);
});

test('existing webhooks are updated in place: an old relay URL replaced, other services kept, nothing created', async (t) => {
  const stand = await api(t, {
    webhooks: { 'mg.example': { permanent_fail: ['https://old-app.fly.dev/mailgun/events', 'https://crm.example/hooks/bounce'], temporary_fail: [EVENTS] }, 'other.example': { permanent_fail: ['https://x.example/h'] } },
  });
  const { code, out } = await run(['--url', URL_RAW], stand);
  assert.equal(code, 0);
  assert.deepEqual(stand.webhooks['mg.example'], { permanent_fail: [EVENTS, 'https://crm.example/hooks/bounce'], temporary_fail: [EVENTS] });
  assert.deepEqual(stand.webhooks['other.example'], { permanent_fail: ['https://x.example/h'] }, 'other domains untouched');
  assert.deepEqual(webhookWrites(stand), ['PUT /v3/domains/mg.example/webhooks/permanent_fail']);
  assert.ok(out.includes(`update webhook permanent_fail of mg.example: https://old-app.fly.dev/mailgun/events, https://crm.example/hooks/bounce → ${EVENTS}, https://crm.example/hooks/bounce`), out.join('\n'));
});

test('--dry-run shows the webhook changes and makes none', async (t) => {
  const stand = await api(t, { webhooks: { 'mg.example': { permanent_fail: ['https://old-app.fly.dev/mailgun/events'] } } });
  const { code, out } = await run(['--url', URL_RAW, '--dry-run'], stand);
  assert.equal(code, 0);
  assert.deepEqual(out.slice(1), [
    `would update webhook permanent_fail of mg.example: https://old-app.fly.dev/mailgun/events → ${EVENTS}`,
    `would create webhook temporary_fail of mg.example: ${EVENTS}`,
    'dry run: nothing was changed',
  ]);
  assert.deepEqual(stand.webhooks, { 'mg.example': { permanent_fail: ['https://old-app.fly.dev/mailgun/events'] } });
  assert.deepEqual(webhookWrites(stand), []);
});

test('another run creates a webhook at the same moment: Mailgun refuses the second create, and it becomes an update', async (t) => {
  const stand = await api(t);
  stand.failWhen(
    (req) => {
      if (req.method !== 'POST' || !req.path.endsWith('/webhooks') || req.form.fields.id?.[0] !== 'permanent_fail') return false;
      stand.webhooks['mg.example'] = { ...stand.webhooks['mg.example'], permanent_fail: ['https://other-run.example/mailgun/events'] };
      return true;
    },
    { kind: 'status', status: 400, body: { message: 'Webhook with the id permanent_fail already exists' } },
    1,
  );
  const { code, all } = await run(['--url', URL_RAW], stand);
  assert.equal(code, 0, all());
  assert.deepEqual(stand.webhooks['mg.example'], { permanent_fail: [EVENTS], temporary_fail: [EVENTS] });
});

test('the sending domain: MAILGUN_DOMAIN, else the first domain of the rules file; neither → exit 1 before any change', async (t) => {
  const stand = await api(t);
  const dir = await tempDir(t, 'setup');
  await writeFile(join(dir, 'mine.yaml'), 'domains: [first.example, second.example]\nusers:\n  me: "me+{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: me\n');
  assert.equal((await run(['--url', URL_RAW, '--rules', 'mine.yaml'], stand, {}, dir)).code, 0);
  assert.deepEqual(Object.keys(stand.webhooks), ['first.example']);

  const none = await run(['--url', URL_RAW], stand, {}, dir);
  assert.equal(none.code, 1);
  assert.match(none.err.join('\n'), /cannot tell the sending domain.*MAILGUN_DOMAIN.*--rules/);
  assert.equal(stand.routes.length, 1, 'nothing more was changed');
});
