import type { AliasFacts } from '../store/inventory.js';
import type { MessageFacts, SenderAddress } from './facts.js';
import type { PolicyOutcome, PolicyReason } from './outcomes.js';
import type { PolicyAction, ResolvedPolicy, SenderPattern } from '../rules/resolved-policy.js';

/** The policy's decision for one message, as data: the delivery sends (or refuses), the log and metrics read it. */
export interface PolicyVerdict {
  outcome: PolicyOutcome;
  /** Why it was refused or redirected, or `new-alias-limit` when the flood guard held it (policy/step.ts); null when nothing applied. */
  reason: PolicyReason | null;
  /** Where to send: the route's targets (forward), the policy's (redirect), none (reject). */
  to: readonly string[];
  /** The message's sender domain is new to this alias (the leak signal), whatever the outcome. */
  newSender: boolean;
  /** One line for the answer to Mailgun and the log. */
  detail: string;
}

/** Is `domain` new to an alias? Never on its first message, nor within its learning period. */
export function isNewSender(alias: AliasFacts, senderDomain: string | null, learnMs: number, now: number): boolean {
  return senderDomain !== null && alias.firstSeen !== null && !alias.senderSeen && now - alias.firstSeen >= learnMs;
}

function matches(pattern: SenderPattern, sender: SenderAddress): boolean {
  if (pattern.kind === 'address') return sender.address === pattern.address;
  return sender.domain === pattern.domain || sender.domain.endsWith(`.${pattern.domain}`);
}

function named(patterns: readonly SenderPattern[], senders: readonly SenderAddress[]): SenderAddress | undefined {
  return senders.find((s) => patterns.some((p) => matches(p, s)));
}

/**
 * Decides what happens to a message the rules routed to `routeTargets`. Pure. In order, the first that
 * applies decides: a blocked alias; `new_aliases: reject` for an alias never forwarded to nor added;
 * `senders.block` (From or envelope); `senders.allow` (neither named); spam; a new sender domain. A
 * check whose `then` is `forward` lets the message on to the next.
 */
export function decidePolicy(policy: ResolvedPolicy, routeTargets: readonly string[], message: MessageFacts, alias: AliasFacts, now: number): PolicyVerdict {
  const newSender = isNewSender(alias, message.senderDomain, policy.leaks.learnMs, now);
  const verdict = (outcome: PolicyOutcome, reason: PolicyReason | null, to: readonly string[], detail: string): PolicyVerdict => ({
    outcome,
    reason,
    to,
    newSender,
    detail,
  });
  const refuse = (reason: PolicyReason, why: string) => verdict('reject', reason, [], `policy ${reason}: ${why}`);
  const apply = (then: PolicyAction, reason: PolicyReason, why: string): PolicyVerdict | null => {
    if (then.action === 'forward') return null;
    if (then.action === 'reject') return refuse(reason, why);
    if (then.to === null) return refuse(reason, `${why}; its {to: …} target does not render a valid address for this recipient`);
    return verdict('redirect', reason, then.to, `policy ${reason}: ${why}; sent to ${then.to.join(', ')} instead`);
  };

  if (alias.blocked) return refuse('blocked', 'the alias is blocked');
  if (policy.newAliases === 'reject' && !alias.known) return refuse('new-alias', 'new_aliases is reject and the relay does not know this address');
  const senders = [message.from, message.envelope].filter((s): s is SenderAddress => s !== null);
  const blocked = named(policy.senders.block, senders);
  if (blocked) return refuse('sender-blocked', `senders.block names ${blocked.address}`);
  if (policy.senders.allow && !named(policy.senders.allow, senders)) {
    const given = [...new Set(senders.map((s) => s.address))].join(' or ');
    return refuse('sender-not-allowed', given ? `senders.allow does not name ${given}` : 'senders.allow is set and the message names no sender');
  }
  const { spam } = policy;
  const score = message.spamScore;
  const isSpam = spam !== null && (message.spamFlag || (spam.scoreAbove !== null && score !== null && score > spam.scoreAbove));
  const bySpam = isSpam ? apply(spam.then, 'spam', message.spamFlag ? 'Mailgun marked it spam' : `spam score ${score} is above ${spam.scoreAbove}`) : null;
  if (bySpam) return bySpam;
  const byLeak = newSender ? apply(policy.leaks.then, 'leak', `${message.senderDomain} is a new sender domain for this alias`) : null;
  if (byLeak) return byLeak;
  return verdict('forward', null, routeTargets, 'forwarded');
}
