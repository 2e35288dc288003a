// `plus-relay digest --dry-run` against a running relay (real HTTP): per user, to whom, and the text; nothing sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN } from '../helpers/admin.js';
import { recordingIO } from '../helpers/cli-io.js';
import { digest } from '../../src/cli/digest.js';
import { digestRelay, MORNING } from './helpers.js';

test('digest --dry-run prints what each user would get and sends nothing; digest sends it', async (t) => {
  const { app, api, store } = await digestRelay(t, MORNING);
  await store.inventory.record({ address: 'github@destroy.systems', at: MORNING - 3600_000, outcome: 'forwarded', senderDomain: 'cheap-pills.example', newSender: true });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  const dry = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await digest(['--dry-run', '--url', url], dry.io), 0, dry.err.join('\n'));
  assert.match(dry.out[0] ?? '', /^digest of 2026-12-03 \(Europe\/Berlin\), covering 2026-12-02T06:00:\d\d\.\d{3}Z to 2026-12-03T06:00:\d\d\.\d{3}Z$/);
  assert.deepEqual(dry.out.slice(1), [
    '',
    'owner → personalemail+plus-relay@gmail.com: would send',
    '  Subject: plus-relay digest 2026-12-03: 1 leak',
    dry.out[4],
    '',
    '  Leaks: 1 alias heard from a new sender domain',
    '    github@destroy.systems: cheap-pills.example',
    '',
    "  The relay's admin page (/admin) lists every alias; block a leaked one there or with plus-relay block <alias>.",
    '',
    'partner: nothing happened: no digest',
    '',
    'family: nothing happened: no digest',
  ]);
  assert.match(dry.out[4] ?? '', /^ {2}What happened to owner's aliases in the 24 hours to 2026-12-03 06:00 UTC\.$/);
  assert.deepEqual(api.sent, []);

  const send = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await digest(['--url', url], send.io), 0, send.err.join('\n'));
  assert.ok(send.out.includes('owner → personalemail+plus-relay@gmail.com: sent'), send.out.join('\n'));
  assert.equal(api.sent.length, 1);

  const noToken = recordingIO('/', {});
  assert.equal(await digest(['--dry-run', '--url', url], noToken.io), 2);
  assert.match(noToken.err.join('\n'), /ADMIN_TOKEN is not set/);
  const bad = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await digest(['--now'], bad.io), 2);
  assert.match(bad.err.join('\n'), /usage: plus-relay digest \[--dry-run\]/);
});
