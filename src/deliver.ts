import type { Clock } from './clock.js';
import type { InboundMessage } from './inbound/message.js';
import type { CompiledRules } from './rules/types.js';
import { applyDmarcVerdict, compose } from './forward/compose.js';
import type { DmarcCheck, DmarcVerdict } from './forward/dmarc.js';
import type { Transport } from './forward/types.js';
import { StoreUnavailableError, type Ledger } from './store/types.js';
import { loopVerdict } from './guards.js';
import { deliveryKey, messageKey, type ExactlyOncePolicy } from './exactly-once.js';
import { combine, statusOf, type Outcome, type OutcomeStatus, type TargetOutcome } from './retry-contract.js';
import type { Inventory } from './store/inventory.js';
import type { PolicyVerdict } from './policy/decide.js';
import { policyStep } from './policy/step.js';
import { POLICY_OUTCOMES } from './policy/outcomes.js';
import { DEFAULT_LIMITS, type FloodHold } from './rules/resolved-limits.js';
import { holdReason, type FloodGuard } from './flood/budget.js';
import { claimDelivery, claimWaiting, type ClaimedPair } from './claim-pair.js';
import { sendOnce } from './send-once.js';
import type { ReplyAddresses } from './store/reply-addresses.js';
import { carryReplyAddress } from './forward/reply-address.js';
import type { ReplyToDecision } from './forward/reply-to.js';
import { replyTokenOf } from './store/reply-addresses.js';
import { relayReply } from './reply.js';
import type { DeliveryDeps, DeliveryResult, Routed } from './delivery.js';

export type { Outcome };

export type { DeliveryDeps, DeliveryResult };

/**
 * Delivers a message whose signature the inbound side has verified (inbound/signed.ts); 'bad-signature' is
 * decided there. `requestId` owns the ledger claims this delivery takes, so only it can release them.
 */
export async function deliver(message: InboundMessage, deps: DeliveryDeps, requestId: string): Promise<DeliveryResult> {
  const result = (outcome: Outcome, reason: string, more: Partial<DeliveryResult> = {}): DeliveryResult => ({
    status: statusOf(outcome),
    outcome,
    reason,
    recipient: message.recipient,
    rule: null,
    targets: [],
    ids: [],
    policy: null,
    newSender: null,
    ...more,
  });

  if (!message.recipient) return result('rejected', 'no recipient');
  const loop = loopVerdict(message, deps.relayId);
  if (loop) return result('rejected', loop);
  const token = message.signature.token as string;
  const { ledger, exactlyOnce } = deps;

  try {
    // A block Mailgun signed for an event webhook is no licence to forward a message: refused before any claim.
    if (!(await ledger.bind(token, 'inbound', exactlyOnce.tokenTtlMs))) return result('bad-signature', 'signature already used on another endpoint');
    let routed: Routed;
    try {
      // forward() claims the token: with the pairs' claims when there are targets (one write), else alone. The
      // relay's own reply addresses are answered before any rule (a catch-all would otherwise forward them).
      const replyToken = replyTokenOf(message.recipient.slice(0, message.recipient.lastIndexOf('@')));
      routed = replyToken
        ? await relayReply(message, replyToken, token, deps, requestId, result)
        : await forward(message, message.recipient, token, deps, requestId, result);
    } catch (err) {
      await ledger.release('token', token, requestId).catch(() => undefined);
      throw err;
    }
    // Done for good (forwarded or refused): a replay of the token is answered without sending. Anything
    // retryable frees the token for Mailgun's retry. Issued in the same turn as the forward's own writes (the
    // pairs' completions, the inventory's record), so that all of them share one commit (one round trip).
    const { status } = routed.result;
    const done = status === 200 || status === 406;
    const token_ = !routed.tokenHeld ? NOTHING_PENDING : done ? ledger.complete('token', token, exactlyOnce.tokenTtlMs) : ledger.release('token', token, requestId);
    const [completed] = await Promise.all([routed.written, token_]);
    // A pair forwarded whose completion the store refused: answered 503 as before. Its completion is kept (a
    // retry finds the pair 'used'), and so is the token's when that one failed too.
    if (completed) throw completed;
    return routed.result;
  } catch (err) {
    if (err instanceof StoreUnavailableError) return result('store-unavailable', err.message);
    throw err;
  }
}

const NOTHING_PENDING: Promise<null> = Promise.resolve(null);

async function forward(
  message: InboundMessage,
  recipient: string,
  token: string,
  deps: DeliveryDeps,
  requestId: string,
  result: (outcome: Outcome, reason: string, more?: Partial<DeliveryResult>) => DeliveryResult,
): Promise<Routed> {
  const decision = deps.rules().route(recipient, message.sender ?? undefined);
  const step = policyStep(message, recipient, deps, decision);
  const settled = async (r: DeliveryResult, completions: ReadonlyArray<Promise<Error | null>> = [], tokenHeld = true, authenticated = false): Promise<Routed> => {
    // Not awaited before the caller issues its own write: the record joins the completions' commit.
    const recorded = step.settle(r.outcome, authenticated);
    const written = Promise.all([...completions, recorded]).then((errors) => errors.find((e) => e instanceof Error) ?? null);
    return { result: r, written, tokenHeld };
  };
  // The token not ours: a replay of a delivery answered earlier, or one still in flight after the wait.
  const notOurs = (claim: 'used' | 'busy'): Promise<Routed> =>
    settled(claim === 'used' ? result('duplicate', 'token already used') : result('busy', 'the same delivery is in progress'), [], false);
  // Without targets, the token is claimed alone (two copies of one delivery at once: the second waits for the first).
  const claimed = async (answer: () => Promise<Routed>): Promise<Routed> => {
    const claim = await claimWaiting(deps, 'token', token, requestId);
    return claim === 'claimed' ? answer() : notOurs(claim);
  };
  if (decision.action === 'reject') return claimed(() => settled(result('rejected', decision.reason, { rule: decision.rule })));
  const policy = await step.decide(decision);
  const decided = { rule: decision.rule, policy, newSender: step.newSender };
  // Held by the new-alias budget (503, Mailgun retries), or refused by the policy (406): nothing to send.
  const answer = step.held ? 'over-limit' : POLICY_OUTCOMES[policy.outcome].delivery;
  if (answer !== 'forwarded') return claimed(async () => settled(result(answer, policy.detail, { ...decided, ...(await noted(step.held, deps)) })));

  // Raw mode: the original bytes pass DMARC at the target only on an aligned DKIM signature; without one, and under
  // an enforcing policy, From becomes ours (once, for every target). The key stays that of the message as it came.
  const dmarc = message.raw ? await deps.dmarc.check(message.raw, message.header) : undefined;
  // Under `replies: true` the reply address goes in as Reply-To (keeping the sender's DKIM where it does not sign it).
  const carried = decision.replies ? await carryReplyAddress(message, recipient, decision.user, dmarc, deps) : null;
  const outgoing = carried?.message ?? applyDmarcVerdict(message, dmarc, deps.sendingDomain);
  const build = (to: string) => compose(outgoing, to, deps.sendingDomain, deps.relayId, carried?.replyTo);
  const targets = [...policy.to];
  const key = messageKey(message);
  const limits = decision.limits ?? DEFAULT_LIMITS;
  const pairs = targets.map((to) => ({ pair: deliveryKey(key, to), to }));
  const claims = await claimDelivery(token, pairs, limits, deps, requestId);
  if (claims.token !== 'claimed') return notOurs(claims.token);
  const sent = await Promise.all(claims.pairs.map((p) => sendOnce(build, p, deps, requestId)));
  const storeDown = sent.find((s) => s.outcome === 'store-unavailable');
  if (storeDown) throw new StoreUnavailableError(storeDown.reason);
  const completions = sent.flatMap((s) => (s.completed ? [s.completed] : []));
  const outcome = combine(sent.map((s) => s.outcome));
  const ids = sent.flatMap((s) => (s.id ? [s.id] : []));
  const reason =
    outcome === 'forwarded' ? policy.detail : outcome === 'duplicate' ? 'already forwarded to every target' : (sent.find((s) => s.outcome === outcome)?.reason ?? outcome);
  const held = await noted(sent.find((s) => s.held)?.held ?? null, deps);
  // Only a verified aligned signature authenticates the sender (raw mode, under an enforcing DMARC policy: dmarc.ts).
  return settled(result(outcome, reason, { ...decided, targets, ids, ...(dmarc && { dmarc }), ...(carried && { replyTo: carried.decision }), ...held }), completions, true, dmarc?.reason === 'aligned-dkim');
}

/** A hold goes into the result (log, metric) and the store (the admin page). */
async function noted(hold: FloodHold | null, deps: DeliveryDeps): Promise<{ flood?: FloodHold }> {
  if (!hold) return {};
  await deps.flood.note(hold);
  return { flood: hold };
}
