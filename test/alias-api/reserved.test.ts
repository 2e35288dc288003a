// Role mailboxes are never handed out by the alias API, whatever the rules forward: a token holder must not get the
// mail a domain's owner receives as postmaster, abuse contact or certificate-validation address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { created, listeningRelay, API_TOKEN } from '../helpers/alias-api.js';
import { RESERVED_LOCAL_PARTS } from '../../src/alias-api/reserved.js';

// The shipped rules' shape without their reject rules: a catch-all forwards every name, role names included.
const CATCH_ALL = `domains: [destroy.systems]
users:
  you: "you+{service}@gmail.com"
rules:
  - match: "billing"
    reject: true
  - match: "{service}"
    user: you
`;
const ROLES = ['postmaster', 'abuse', 'hostmaster', 'webmaster', 'security', 'noc', 'admin', 'administrator', 'root', 'mailer-daemon', 'noreply', 'no-reply'];

test('a site named like a role mailbox gets <name>-2, never the role address; nor a name a rule rejects', async (t) => {
  assert.deepEqual([...RESERVED_LOCAL_PARTS].sort(), [...ROLES].sort(), 'the list the README promises');
  const { url } = await listeningRelay(t, { env: { ALIAS_API_TOKEN: API_TOKEN }, rules: CATCH_ALL, app: { aliasApiLimits: { maxAliasesPerUser: 100, perMinute: 100, perDay: 100 } } });
  for (const role of ROLES) {
    assert.equal((await created(url, API_TOKEN, `${role}.example`)).email, `${role}-2@destroy.systems`, role);
  }
  assert.equal((await created(url, API_TOKEN, 'billing.example')).email, 'billing-2@destroy.systems', 'a reject rule');
});
