// The policy decision is pure: (policy, message facts, alias facts, now) → verdict. Each check, its order, and the
// facts read from a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidePolicy, isNewSender } from '../../src/policy/decide.js';
import { messageFacts } from '../../src/policy/facts.js';
import { DEFAULT_POLICY, type ResolvedPolicy } from '../../src/rules/resolved-policy.js';
import type { AliasFacts } from '../../src/store/inventory.js';
import type { HeaderList } from '../../src/mail/headers.js';
import { headerViewOf } from '../../src/mail/header-view.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20);
const ROUTE = ['me+shop@gmail.com'];
const KNOWN: AliasFacts = { known: true, blocked: false, firstSeen: NOW - 30 * DAY, senderSeen: true };

function message(from: string | null, sender: string | null = null, headers: HeaderList = []) {
  return messageFacts({ from, sender, header: headerViewOf(headers) });
}
function policy(over: Partial<ResolvedPolicy>): ResolvedPolicy {
  return { ...DEFAULT_POLICY, ...over };
}
const outcome = (p: ResolvedPolicy, m = message('Shop <news@shop.example>'), alias = KNOWN) => {
  const v = decidePolicy(p, ROUTE, m, alias, NOW);
  return [v.outcome, v.reason, v.to];
};

test('message facts: the From address first, else the envelope; the registrable domain; spam marks', () => {
  assert.deepEqual(message('"Shop, Inc." <News@Mail.Shop.co.uk>', 'bounce-123@bounces.mailer.example'), {
    from: { address: 'news@mail.shop.co.uk', domain: 'mail.shop.co.uk' },
    envelope: { address: 'bounce-123@bounces.mailer.example', domain: 'bounces.mailer.example' },
    senderDomain: 'shop.co.uk',
    spamFlag: false,
    spamScore: null,
  });
  assert.equal(message('undisclosed', 'x@alice.github.io').senderDomain, 'alice.github.io', 'a private suffix counts: github.io hosts many parties');
  assert.equal(message(null, null).senderDomain, null);
  const marked = message('a@b.example', null, [['X-Mailgun-Sflag', 'Yes'], ['X-Mailgun-Sscore', '7.5'], ['X-Mailgun-Sflag', 'No'], ['x-mailgun-sscore', '-1.2']]);
  assert.deepEqual([marked.spamFlag, marked.spamScore], [true, 7.5], 'a forged No or a lower score further down never hides Mailgun’s verdict');
});

test('the leak signal: never on the first message, never within the learning period, then for unseen domains', () => {
  const learn = 7 * DAY;
  assert.equal(isNewSender({ known: false, blocked: false, firstSeen: null, senderSeen: false }, 'x.example', learn, NOW), false, 'the first message');
  assert.equal(isNewSender({ ...KNOWN, firstSeen: NOW - 6 * DAY, senderSeen: false }, 'x.example', learn, NOW), false, 'still learning');
  assert.equal(isNewSender({ ...KNOWN, firstSeen: NOW - 7 * DAY, senderSeen: false }, 'x.example', learn, NOW), true);
  assert.equal(isNewSender({ ...KNOWN, senderSeen: true }, 'x.example', learn, NOW), false, 'a domain it knows');
  assert.equal(isNewSender({ ...KNOWN, senderSeen: false }, null, learn, NOW), false, 'no sender domain at all');
  assert.equal(isNewSender({ ...KNOWN, firstSeen: NOW, senderSeen: false }, 'x.example', 0, NOW), true, 'learn: 0s');
});

test('each check and its three outcomes', () => {
  const redirect = { action: 'redirect' as const, to: ['me+caught@gmail.com'] };
  const spammy = message('a@b.example', null, [['X-Mailgun-Sflag', 'Yes']]);
  for (const [then, expected] of [
    [{ action: 'forward' }, ['forward', null, ROUTE]],
    [{ action: 'reject' }, ['reject', 'spam', []]],
    [redirect, ['redirect', 'spam', redirect.to]],
  ] as const) {
    assert.deepEqual(outcome(policy({ spam: { scoreAbove: null, then } }), spammy), expected);
  }
  const leaked: AliasFacts = { ...KNOWN, senderSeen: false };
  for (const [then, expected] of [
    [{ action: 'forward' }, ['forward', null, ROUTE]],
    [{ action: 'reject' }, ['reject', 'leak', []]],
    [redirect, ['redirect', 'leak', redirect.to]],
  ] as const) {
    assert.deepEqual(outcome(policy({ leaks: { learnMs: DAY, then } }), undefined, leaked), expected);
  }
  const score = (s: string) => message('a@b.example', null, [['X-Mailgun-Sflag', 'No'], ['X-Mailgun-Sscore', s]]);
  const above5 = policy({ spam: { scoreAbove: 5, then: { action: 'reject' } } });
  assert.deepEqual(outcome(above5, score('5.1'))[0], 'reject');
  assert.deepEqual(outcome(above5, score('5'))[0], 'forward', 'above, not at');
  assert.deepEqual(outcome(policy({ spam: { scoreAbove: null, then: { action: 'reject' } } }), score('50'))[0], 'forward', 'no score_above: only the flag counts');
  assert.deepEqual(outcome(policy({ spam: { scoreAbove: 1, then: { action: 'redirect', to: null } } }), score('3')), ['reject', 'spam', []], 'a target that does not render refuses');
});

test('senders: block on either address refuses; allow on either admits; domains match their subdomains', () => {
  const senders = (allow: string[] | null, block: string[]) => {
    const pattern = (s: string) => (s.includes('@') ? { kind: 'address' as const, address: s } : { kind: 'domain' as const, domain: s });
    return policy({ senders: { allow: allow?.map(pattern) ?? null, block: block.map(pattern) } });
  };
  const bank = message('Bank <alerts@mail.bank.example>', 'bounce@esp.example');
  assert.deepEqual(outcome(senders(['bank.example'], []), bank)[0], 'forward');
  assert.deepEqual(outcome(senders(['esp.example'], []), bank)[0], 'forward', 'the envelope sender admits too');
  assert.deepEqual(outcome(senders(['notbank.example'], []), message('x@bank.example'))[1], 'sender-not-allowed');
  assert.deepEqual(outcome(senders(['ank.example'], []), bank)[1], 'sender-not-allowed', 'a suffix that is not a subdomain does not match');
  assert.deepEqual(outcome(senders(null, ['esp.example']), bank)[1], 'sender-blocked', 'a block on the envelope refuses');
  assert.deepEqual(outcome(senders(null, ['alerts@mail.bank.example']), bank)[1], 'sender-blocked');
  assert.deepEqual(outcome(senders(null, ['other@mail.bank.example']), bank)[0], 'forward');
  assert.deepEqual(outcome(senders(['bank.example'], ['mail.bank.example']), bank)[1], 'sender-blocked', 'block beats allow');
  assert.deepEqual(outcome(senders(['bank.example'], []), message(null, null))[1], 'sender-not-allowed', 'no sender at all is not allowed');
});

test('order: a block beats everything, then new_aliases, then senders, then spam, then leaks', () => {
  const all = policy({
    spam: { scoreAbove: null, then: { action: 'redirect', to: ['me+spam@gmail.com'] } },
    leaks: { learnMs: 0, then: { action: 'redirect', to: ['me+leak@gmail.com'] } },
    senders: { allow: null, block: [{ kind: 'domain', domain: 'bad.example' }] },
    newAliases: 'reject',
  });
  const spamFromBad = message('x@bad.example', null, [['X-Mailgun-Sflag', 'Yes']]);
  const unknown: AliasFacts = { known: false, blocked: false, firstSeen: NOW - DAY, senderSeen: false };
  assert.deepEqual(outcome(all, spamFromBad, { ...KNOWN, blocked: true }).slice(0, 2), ['reject', 'blocked']);
  assert.deepEqual(outcome(all, spamFromBad, unknown).slice(0, 2), ['reject', 'new-alias']);
  assert.deepEqual(outcome(all, spamFromBad, { ...KNOWN, senderSeen: false }).slice(0, 2), ['reject', 'sender-blocked']);
  assert.deepEqual(outcome(all, message('x@good.example', null, [['X-Mailgun-Sflag', 'Yes']]), { ...KNOWN, senderSeen: false }), ['redirect', 'spam', ['me+spam@gmail.com']]);
  assert.deepEqual(outcome(all, message('x@good.example'), { ...KNOWN, senderSeen: false }), ['redirect', 'leak', ['me+leak@gmail.com']]);
  const v = decidePolicy(all, ROUTE, message('x@good.example', null, [['X-Mailgun-Sflag', 'Yes']]), { ...KNOWN, senderSeen: false }, NOW);
  assert.equal(v.newSender, true, 'the leak signal is raised whatever decided');
  assert.deepEqual(outcome(DEFAULT_POLICY, spamFromBad, unknown), ['forward', null, ROUTE], 'the default forwards everything');
});
