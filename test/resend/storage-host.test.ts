// Who gets the API key: a storage URL comes from a webhook body, so only Mailgun's hosts (https) and the exact
// origin of MAILGUN_API_URL are fetched. Lookalikes are other hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStorageHost } from '../../src/resend/storage-host.js';

const API = 'https://api.eu.mailgun.net';
const path = '/v3/domains/destroy.systems/messages/AgEFexample';

test('Mailgun storage hosts over https, and the origin of MAILGUN_API_URL, are trusted', () => {
  for (const url of [`https://storage-us-east4.api.mailgun.net${path}`, `https://se.api.mailgun.net${path}`, `https://mailgun.net${path}`, `https://STORAGE.API.MAILGUN.NET${path}`, `${API}${path}`]) {
    assert.equal(checkStorageHost(url, API).ok, true, url);
  }
  assert.equal(checkStorageHost(`http://127.0.0.1:4711${path}`, 'http://127.0.0.1:4711').ok, true, "a test's loopback stand-in, named by MAILGUN_API_URL");
});

test('anything else is refused, with the host named', () => {
  for (const url of [
    `http://storage-us-east4.api.mailgun.net${path}`,
    `https://storage.mailgun.net.evil.example${path}`,
    `https://evilmailgun.net${path}`,
    `https://mailgun.net@evil.example${path}`,
    `https://api:key@storage.api.mailgun.net${path}`,
    `https://evil.example/?host=.mailgun.net`,
    `http://127.0.0.1:4712${path}`,
    'not a url',
  ]) {
    const verdict = checkStorageHost(url, 'http://127.0.0.1:4711');
    assert.equal(verdict.ok, false, url);
  }
  const verdict = checkStorageHost(`https://storage.mailgun.net.evil.example${path}`, API);
  assert.deepEqual(verdict, { ok: false, reason: "the storage URL's host storage.mailgun.net.evil.example (https) is not Mailgun's: the API key is only sent over https to mailgun.net or a host under it, or to MAILGUN_API_URL" });
});
