// `plus-relay simulate` against a listening relay (real HTTP, the Mailgun API stand-in behind it): the sender,
// subject and spam marking it is told to use are what the relay reads, in parsed and raw mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build, SIGNING_KEY } from '../helpers/build.js';
import { ADMIN_TOKEN, aliases } from '../helpers/admin.js';
import { recordingIO } from '../helpers/cli-io.js';
import { simulate } from '../../src/cli/simulate.js';

const RULES = 'domains: [destroy.systems]\nspam: {score_above: 5, then: reject}\nusers:\n  me: "me+{service}@gmail.com"\nrules:\n  - match: "{service}"\n    user: me\n';

async function relay(t: Parameters<typeof build>[0]) {
  const built = await build(t, { env: { ADMIN_TOKEN }, rules: RULES });
  const url = await built.app.listen({ host: '127.0.0.1', port: 0 });
  const run = async (args: string[]) => {
    const rec = recordingIO('/', { MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY });
    return { code: await simulate([...args, '--url', url], rec.io), out: rec.out, err: rec.err };
  };
  return { ...built, run };
}

test('simulate --from and --subject: the relay forwards that sender and subject, and records its domain', async (t) => {
  const { app, api, run } = await relay(t);
  const parsed = await run(['shop@destroy.systems', '--from', 'Shop <news@mail.shop.example>', '--subject', 'Your order 4711']);
  assert.equal(parsed.code, 0, parsed.err.join('\n'));
  assert.match(parsed.out[0] ?? '', /^200 \{"status":"forwarded"/);
  assert.deepEqual(api.sent[0]?.fields.subject, ['Your order 4711']);
  // Parsed mode rebuilds the message From the relay's domain, naming the sender (and replying to it).
  assert.match(JSON.stringify(api.sent[0]?.fields.from), /news@mail\.shop\.example/);

  const raw = await run(['shop@destroy.systems', '--mime', '--from', 'offers@cheap-pills.example', '--subject', 'Cheap']);
  assert.equal(raw.code, 0, raw.err.join('\n'));
  const mime = api.sent[1]?.mime?.toString('utf8') ?? '';
  assert.match(mime, /^From: offers@cheap-pills\.example\r$/m);
  assert.match(mime, /^Subject: Cheap\r$/m);
  // Two sender domains, each under its registrable domain: every sample no longer comes from one domain.
  const [alias] = await aliases(app, '?address=shop@destroy.systems');
  assert.deepEqual((alias?.senders as Array<{ domain: string }>).map((s) => s.domain).sort(), ['cheap-pills.example', 'shop.example']);
});

test("simulate --spam and --score mark the message as Mailgun's spam filter does, and the spam policy acts on it", async (t) => {
  const { api, run } = await relay(t);
  for (const mode of [[], ['--mime']]) {
    const spam = await run(['a@destroy.systems', '--spam', ...mode]);
    assert.equal(spam.code, 1);
    assert.match(spam.err[0] ?? '', /^406 .*"status":"rejected"/, mode.join(' '));
    const high = await run(['a@destroy.systems', '--score', '6.5', ...mode]);
    assert.equal(high.code, 1, `score above score_above ${mode.join(' ')}`);
    const low = await run(['a@destroy.systems', '--score=-0.3', ...mode]);
    assert.equal(low.code, 0, `${mode.join(' ')}: ${low.err.join('\n')}`);
    const plain = await run(['a@destroy.systems', ...mode]);
    assert.equal(plain.code, 0);
  }
  assert.equal(api.sent.length, 4);
  assert.match(api.sent[2]?.mime?.toString('utf8') ?? '', /^X-Mailgun-Sflag: No\r\nX-Mailgun-Sscore: -0\.3\r\n/);
  assert.doesNotMatch(api.sent[3]?.mime?.toString('utf8') ?? '', /X-Mailgun-S/);
});

test('simulate refuses a --from without an address, a --score that is not a number and a --subject of several lines, exit 2', async () => {
  for (const args of [['--from', 'Nobody'], ['--score', 'high'], ['--score', ''], ['--subject', 'Hi\r\nBcc: x@evil.example']]) {
    const rec = recordingIO('/', {});
    assert.equal(await simulate(['a@destroy.systems', ...args], rec.io), 2, args.join(' '));
    assert.match(rec.err[0] ?? '', /^plus-relay: --(from|score|subject) /);
  }
});
