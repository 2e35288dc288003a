// A forward that Gmail refused, as the relay sees it: the message arrives (raw mode) and is forwarded, Mailgun
// keeps what it sent in its storage, then posts a `failed` event naming it. The owner finds the failure's id on
// the admin API, as the page and the CLI do.
import assert from 'node:assert/strict';
import { build, SIGNING_KEY, type BuildOptions } from '../helpers/build.js';
import { aliases, ADMIN_TOKEN } from '../helpers/admin.js';
import { deliveredMime } from '../support/mailgun-api.js';
import { eventPost, failedEvent, freshSignatureBlock, rawModeFields, rawUrlencoded, sampleMessage, sampleMime } from '../support/fixtures.js';
import type { TestContext } from 'node:test';

export const DOMAIN = 'destroy.systems';

export type Relay = Awaited<ReturnType<typeof build>>;

export function relay(t: TestContext, options: BuildOptions = {}): Promise<Relay> {
  return build(t, { ...options, env: { ADMIN_TOKEN, ...options.env } });
}

/**
 * `storage`: 'stored' (Mailgun has the message), 'expired' (the event names a key Mailgun no longer has),
 * 'none' (the event carries no storage), or a URL of the test's choosing.
 */
export async function refusedForward(r: Relay, local: string, storage: 'stored' | 'expired' | 'none' | { url: string }) {
  const block = freshSignatureBlock(SIGNING_KEY);
  const message = rawUrlencoded(sampleMime(), [...rawModeFields(sampleMessage({ recipient: `${local}@${DOMAIN}` })), ['timestamp', block.timestamp], ['token', block.token], ['signature', block.signature]]);
  assert.equal((await r.app.inject({ method: 'POST', url: '/mailgun/inbound/mime', payload: message.payload, headers: message.headers })).statusCode, 200);
  const sent = r.api.sent.at(-1);
  assert.ok(sent);
  const target = sent.to[0] ?? '';
  const key = `AgEF${local}${r.api.sent.length}`;
  const stored = deliveredMime(sent);
  if (storage === 'stored') r.api.stored.push({ domain: DOMAIN, key, mime: stored });
  const url = typeof storage === 'object' ? storage.url : r.api.storageUrl(DOMAIN, key);
  const event = eventPost(SIGNING_KEY, failedEvent({ recipient: target, alias: `${local}@${DOMAIN}`, ...(storage === 'none' ? {} : { storage: { url, key } }) }));
  assert.equal((await r.app.inject({ method: 'POST', url: '/mailgun/events', payload: event.payload, headers: event.headers })).json().status, 'recorded');
  const listed = (await aliases(r.app, `?address=${local}@${DOMAIN}`))[0];
  const id = (listed?.lastFailure as { id?: string } | null)?.id;
  assert.ok(id, 'the admin API names the failure by its id');
  return { id, target, stored, url };
}
