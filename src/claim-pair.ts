import type { ClaimResult, Ledger } from './store/types.js';
import type { FloodGuard, Slot } from './flood/budget.js';
import type { ResolvedLimits } from './rules/resolved-limits.js';
import type { ExactlyOncePolicy } from './exactly-once.js';
import type { Clock } from './clock.js';

export interface ClaimPairDeps {
  ledger: Ledger;
  flood: FloodGuard;
  clock: Clock;
  exactlyOnce: ExactlyOncePolicy;
}

export type PairClaim = { claim: 'used' } | { claim: 'busy' } | { claim: 'claimed'; slot: Slot };

/** One (message, target) send of a delivery: its ledger key and the target whose mailbox budget it takes. */
export interface PairOf {
  pair: string;
  to: string;
}

/** A pair with its claim, which settles (or rejects) on its own. */
export type ClaimedPair = PairOf & { claim: Promise<PairClaim> };

/**
 * A delivery's token was not ours ('used': answered earlier; 'busy': the same delivery in flight and still so after
 * the wait), or it is, with each pair's claim.
 */
export type DeliveryClaim = { token: 'used' | 'busy' } | { token: 'claimed'; pairs: ClaimedPair[] };

/**
 * The token's claim, the (message, target) pairs' claims and each target mailbox's forward budget, asked for in one
 * turn so that they cost one write: on SQLite one group commit (the claims one transaction, the token first and the
 * pairs only once it is ours), on Redis one round trip. A unit is asked for whatever the claims answer and given
 * back at once when its pair is not ours: meanwhile another delivery to that mailbox can only be held back early,
 * never let through late, and a duplicate ends up costing nothing. A token or a pair found busy waits (claimWaiting)
 * and a pair takes its unit afterwards; a token found busy claims its pairs afterwards, one by one as before.
 */
export async function claimDelivery(token: string, pairs: readonly PairOf[], limits: ResolvedLimits, deps: ClaimPairDeps, requestId: string): Promise<DeliveryClaim> {
  const claims = deps.ledger.claimDelivery(
    token,
    pairs.map((p) => p.pair),
    requestId,
    deps.exactlyOnce.claimTtlMs,
  );
  const [claimed, ...slots] = await Promise.allSettled([claims, ...pairs.map((p) => deps.flood.takeForward(p.to, limits))]);
  if (claimed.status === 'rejected' || claimed.value.token !== 'claimed') {
    await Promise.all(slots.map((slot) => giveBackTaken(slot, deps)));
    if (claimed.status === 'rejected') throw claimed.reason;
    const waited = claimed.value.token === 'used' ? 'used' : await claimWaiting(deps, 'token', token, requestId, claimed.value.token);
    if (waited !== 'claimed') return { token: waited };
    return { token: 'claimed', pairs: pairs.map((p) => ({ ...p, claim: claimPair(p, limits, deps, requestId) })) };
  }
  const answers = claimed.value.pairs;
  return { token: 'claimed', pairs: pairs.map((p, i) => ({ ...p, claim: settlePair(p, answers[i] ?? 'busy', slots[i], limits, deps, requestId) })) };
}

/** One pair's claim and its unit, asked for together (one write), when the token is already ours. */
async function claimPair(p: PairOf, limits: ResolvedLimits, deps: ClaimPairDeps, requestId: string): Promise<PairClaim> {
  const [claim, slot] = await Promise.allSettled([deps.ledger.claim('delivery', p.pair, requestId, deps.exactlyOnce.claimTtlMs), deps.flood.takeForward(p.to, limits)]);
  if (claim.status === 'rejected') {
    await giveBackTaken(slot, deps);
    throw claim.reason;
  }
  return settlePair(p, claim.value, slot, limits, deps, requestId);
}

/** A pair's claim as answered, with the unit asked for beside it: kept when the pair is ours, else given back. */
async function settlePair(
  p: PairOf,
  claim: ClaimResult,
  slot: PromiseSettledResult<Slot> | undefined,
  limits: ResolvedLimits,
  deps: ClaimPairDeps,
  requestId: string,
): Promise<PairClaim> {
  if (claim !== 'claimed') {
    await giveBackTaken(slot, deps);
    if (claim === 'used') return { claim: 'used' };
    const waited = await claimWaiting(deps, 'delivery', p.pair, requestId, claim);
    if (waited === 'used') return { claim: 'used' };
    if (waited === 'busy') return { claim: 'busy' };
    return { claim: 'claimed', slot: await takeOrRelease(p, limits, deps, requestId) };
  }
  if (!slot || slot.status === 'rejected') {
    await deps.ledger.release('delivery', p.pair, requestId).catch(() => undefined);
    throw slot?.reason ?? new Error('no forward budget was asked for');
  }
  return { claim: 'claimed', slot: slot.value };
}

async function giveBackTaken(slot: PromiseSettledResult<Slot> | undefined, deps: ClaimPairDeps): Promise<void> {
  if (slot?.status === 'fulfilled' && 'taken' in slot.value) await deps.flood.giveBack(slot.value.taken);
}

async function takeOrRelease(p: PairOf, limits: ResolvedLimits, deps: ClaimPairDeps, requestId: string): Promise<Slot> {
  return deps.flood.takeForward(p.to, limits).catch(async (err: unknown) => {
    await deps.ledger.release('delivery', p.pair, requestId).catch(() => undefined);
    throw err;
  });
}

/** Two copies of one delivery at once: the second waits (up to claimWaitMs) for the first rather than sending. */
export async function claimWaiting(deps: ClaimPairDeps, space: 'token' | 'delivery', key: string, requestId: string, first?: ClaimResult): Promise<ClaimResult> {
  const claim = () => deps.ledger.claim(space, key, requestId, deps.exactlyOnce.claimTtlMs);
  let result = first ?? (await claim());
  for (let waited = 0; result === 'busy' && waited < deps.exactlyOnce.claimWaitMs; waited += 50) {
    await deps.clock.sleep(50);
    result = await claim();
  }
  return result;
}
