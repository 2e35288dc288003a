// `plus-relay resend <failure-id>` against a running relay (real HTTP): the owner copies the id from doctor or the
// page; the relay resends once and says so; asking again, or for an id it does not know, is an error with the why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN } from '../helpers/admin.js';
import { recordingIO } from '../helpers/cli-io.js';
import { resend } from '../../src/cli/resend.js';
import { DOMAIN, refusedForward, relay } from '../resend/helpers.js';

test('resend sends a failed forward again once; a second time, an unknown id or no id are errors that say why', async (t) => {
  const r = await relay(t);
  const { id, target, stored } = await refusedForward(r, 'bank', 'stored');
  const url = await r.app.listen({ host: '127.0.0.1', port: 0 });
  const before = r.api.sent.length;

  const first = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await resend([id, '--url', url], first.io), 0, first.all());
  assert.deepEqual(first.out, [`resent the message of bank@${DOMAIN} to ${target}`]);
  assert.equal(r.api.sent.length, before + 1);
  assert.ok(r.api.sent.at(-1)?.mime?.equals(stored));

  const second = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await resend([id.toUpperCase(), '--url', url], second.io), 1);
  assert.match(second.err.join('\n'), /^plus-relay: the failed forward bank@destroy\.systems → .* was already resent at .* UTC: once per failure$/);
  assert.equal(r.api.sent.length, before + 1);

  const unknown = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await resend(['0123456789ab', '--url', url], unknown.io), 1);
  assert.match(unknown.err.join('\n'), /no recorded failure has the id 0123456789ab \(plus-relay doctor lists them\)/, "the relay's 404, not 'no admin API'");

  const usage = recordingIO('/', { ADMIN_TOKEN });
  assert.equal(await resend(['--url', url], usage.io), 2);
  assert.match(usage.err.join('\n'), /expected exactly one failure id\nusage: plus-relay resend <failure-id>/);
});
