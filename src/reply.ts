import type { InboundMessage } from './inbound/message.js';
import type { DeliveryDeps, DeliveryResult, ReplyReason, Routed } from './delivery.js';
import type { Outcome } from './retry-contract.js';
import { StoreUnavailableError } from './store/types.js';
import { deliveryKey, messageKey } from './exactly-once.js';
import { DEFAULT_LIMITS } from './rules/resolved-limits.js';
import { targetMailbox } from './flood/mailbox.js';
import { claimDelivery, claimWaiting } from './claim-pair.js';
import { sendOnce } from './send-once.js';
import { ownerMailbox } from './forward/reply-sender.js';
import { replyMime } from './forward/reply-message.js';

type Result = (outcome: Outcome, reason: string, more?: Partial<DeliveryResult>) => DeliveryResult;

/**
 * Mail to one of the relay's reply addresses: the owner's reply, sent on as the alias to the contact; or anyone
 * else's mail, refused (a reply address must never become an open relay). Checked before any rule. Exactly once
 * like a forward: the same token, message key and ledger, and the contact's mailbox budget.
 */
export async function relayReply(message: InboundMessage, replyToken: string, token: string, deps: DeliveryDeps, requestId: string, result: Result): Promise<Routed> {
  const settled = (r: DeliveryResult, writes: ReadonlyArray<Promise<Error | null>> = [], tokenHeld = true): Routed => ({
    result: r,
    written: Promise.all(writes).then((errors) => errors.find((e) => e instanceof Error) ?? null),
    tokenHeld,
  });
  const refuse = async (reply: ReplyReason, reason: string, outcome: Outcome = 'rejected'): Promise<Routed> => {
    const claim = await claimWaiting(deps, 'token', token, requestId);
    if (claim === 'claimed') return settled(result(outcome, reason, { reply }));
    return settled(claim === 'used' ? result('duplicate', 'token already used') : result('busy', 'the same delivery is in progress'), [], false);
  };

  const entry = await deps.replies.find(replyToken);
  if (!entry) return refuse('unknown-reply-address', 'unknown reply address');
  if (!message.raw) return refuse('parsed-mode', 'replies are sent only in raw mode, where the owner signature can be checked: point the Mailgun route at /mailgun/inbound/mime');
  const decision = deps.rules().route(entry.alias);
  if (decision.action !== 'forward' || !decision.replies) return refuse('replies-off', `replies are off for ${entry.alias}`);
  if (decision.user !== entry.user) return refuse('user-changed', `${entry.alias} belongs to another user than when this reply address was made`);
  const owner = ownerMailbox(message.header.authors, decision.to);
  if (!owner) return refuse('not-owner', `not from a mailbox of the user of ${entry.alias}`);
  const dkim = await deps.dmarc.authorSigned(message.raw, message.header, owner.domain);
  if (dkim.result === 'temperror') return refuse('dkim-temperror', `the DKIM key of ${owner.domain} could not be looked up: ${dkim.detail ?? ''}`, 'failed');
  if (dkim.result !== 'pass') return refuse('unsigned', `no DKIM signature of ${owner.domain} verifies${dkim.detail ? `: ${dkim.detail}` : ''}`);

  const mime = replyMime(message.raw, message.header, {
    alias: entry.alias,
    contact: entry.contact,
    replyAddress: (message.recipient ?? '').toLowerCase(),
    ownerMailboxes: [...new Set([owner.mailbox, ...decision.to.map(targetMailbox)])],
  });
  const pair = { pair: deliveryKey(messageKey(message), entry.contact), to: entry.contact };
  const claims = await claimDelivery(token, [pair], decision.limits ?? DEFAULT_LIMITS, deps, requestId);
  if (claims.token !== 'claimed') return settled(claims.token === 'used' ? result('duplicate', 'token already used') : result('busy', 'the same delivery is in progress'), [], false);
  const sent = await Promise.all(
    claims.pairs.map((p) => sendOnce(() => ({ kind: 'mime', to: entry.contact, mime, relayId: deps.relayId, alias: entry.alias, reply: true }), p, deps, requestId)),
  );
  const one = sent[0];
  if (!one) throw new Error('no send for the reply');
  if (one.outcome === 'store-unavailable') throw new StoreUnavailableError(one.reason);
  // Replied through: from now on strangers' mail cannot push the pair out.
  const pinned = one.outcome === 'forwarded' ? [deps.replies.pin(entry.token).then(() => null, (err: unknown) => (err instanceof Error ? err : new Error(String(err))))] : [];
  const reason = one.outcome === 'forwarded' ? `replied as ${entry.alias}` : one.outcome === 'duplicate' ? 'already sent' : one.reason;
  const more: Partial<DeliveryResult> = { rule: decision.rule, targets: [entry.contact], ids: one.id ? [one.id] : [], reply: 'sent', ...(one.held && { flood: one.held }) };
  return settled(result(one.outcome, reason, more), [...(one.completed ? [one.completed] : []), ...pinned]);
}
