import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bounceKind, type BounceKind } from '../../src/events/bounce-code.js';

test('refusals read as a missing mailbox, a policy refusal, or something else', () => {
  const cases: Array<[number | null, string | null, string, BounceKind]> = [
    [550, '5.7.26', "5.7.26 Unauthenticated email from example.net is not accepted due to domain's DMARC policy.", 'policy'],
    [550, null, '550 5.7.1 [203.0.113.7] Our system has detected that this message is likely unsolicited mail.', 'policy'],
    [554, null, '554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org', 'policy'],
    [550, '5.1.1', "5.1.1 The email account that you tried to reach does not exist.", 'missing-mailbox'],
    [550, null, '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'missing-mailbox'],
    [550, null, '550 No such user here', 'missing-mailbox'],
    [null, null, "550 Requested action not taken: mailbox unavailable; user does not exist", 'missing-mailbox'],
    [552, '5.2.2', '5.2.2 The email account that you tried to reach is over quota.', 'other'],
    [421, '4.7.0', '4.7.0 Try again later, closing connection.', 'other'],
    [450, null, '450 user unknown, try again later', 'other'],
    [605, null, 'Not delivering to previously bounced address', 'other'],
    [550, '5.1.1', '5.7.1 text that disagrees with the code field', 'missing-mailbox'],
  ];
  for (const [code, enhanced, message, kind] of cases) assert.equal(bounceKind({ code, enhanced, message }), kind, message);
});
