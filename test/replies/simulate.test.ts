// `plus-relay simulate` plays the owner's reply: to a reply address it posts a raw-mode reply signed with the public
// development DKIM key, which only a relay that can never send (outbox mode) accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIGNING_KEY } from '../helpers/build.js';
import { recordingIO } from '../helpers/cli-io.js';
import { forwardFromShop, replyRelay } from '../helpers/replies.js';
import { simulate } from '../../src/cli/simulate.js';
import { withDevelopmentDkim } from '../../src/forward/development-dkim.js';

test('with the development key served, the simulated reply leaves as the alias to the contact', async (t) => {
  const relay = await replyRelay(t, { resolver: withDevelopmentDkim });
  const replyAddress = await forwardFromShop(relay);
  const { io, out, err } = recordingIO('/', { MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY });
  assert.equal(await simulate([replyAddress, '--from', 'Alice <alice@gmail.com>', '--url', relay.url], io), 0, err.join('\n'));
  assert.match(out.join('\n'), /^200 .*"forwarded"/);
  const sent = relay.api.sent.at(-1);
  assert.deepEqual(sent?.to, ['support@shop.example']);
  assert.match(sent?.mime?.toString('latin1') ?? '', /^From: shop@alice\.dev\r$/m);
});

test('a relay that does not serve the development key refuses the same reply: nothing sent', async (t) => {
  const relay = await replyRelay(t);
  const replyAddress = await forwardFromShop(relay);
  const { io, err } = recordingIO('/', { MAILGUN_WEBHOOK_SIGNING_KEY: SIGNING_KEY });
  assert.equal(await simulate([replyAddress, '--from', 'Alice <alice@gmail.com>', '--url', relay.url], io), 1);
  assert.match(err.join('\n'), /^406 .*no DKIM signature of gmail\.com verifies/);
  assert.equal(relay.api.sent.length, 1);
});
