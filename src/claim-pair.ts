import type { ClaimResult, Ledger } from './store/types.js';
import type { FloodGuard, Slot } from './flood/budget.js';
import type { ResolvedLimits } from './flood/limits.js';
import type { ExactlyOncePolicy } from './exactly-once.js';
import type { Clock } from './clock.js';

export interface ClaimPairDeps {
  ledger: Ledger;
  flood: FloodGuard;
  clock: Clock;
  exactlyOnce: ExactlyOncePolicy;
}

export type PairClaim = { claim: 'used' } | { claim: 'busy' } | { claim: 'claimed'; slot: Slot };

/**
 * The (message, target) claim and the target mailbox's forward budget, asked for together so that they cost one
 * write: on SQLite both run in the same group commit (one IMMEDIATE transaction, the claim first), on Redis they go
 * out in one round trip. The unit is asked for whatever the claim answers and given back at once when the pair is
 * not ours: meanwhile another delivery to that mailbox can only be held back early, never let through late, and a
 * duplicate ends up costing nothing. A claim found busy waits (claimWaiting) and takes its unit afterwards.
 */
export async function claimPair(pair: string, to: string, limits: ResolvedLimits, deps: ClaimPairDeps, requestId: string): Promise<PairClaim> {
  const [claim, slot] = await Promise.allSettled([deps.ledger.claim('delivery', pair, requestId, deps.exactlyOnce.claimTtlMs), deps.flood.takeForward(to, limits)]);
  const taken = slot.status === 'fulfilled' && 'taken' in slot.value ? slot.value.taken : null;
  if (claim.status === 'rejected' || claim.value !== 'claimed') {
    if (taken) await deps.flood.giveBack(taken);
    if (claim.status === 'rejected') throw claim.reason;
    if (claim.value === 'used') return { claim: 'used' };
    const waited = await claimWaiting(deps, 'delivery', pair, requestId, claim.value);
    if (waited === 'used') return { claim: 'used' };
    if (waited === 'busy') return { claim: 'busy' };
    return { claim: 'claimed', slot: await takeOrRelease(pair, to, limits, deps, requestId) };
  }
  if (slot.status === 'rejected') {
    await deps.ledger.release('delivery', pair, requestId).catch(() => undefined);
    throw slot.reason;
  }
  return { claim: 'claimed', slot: slot.value };
}

async function takeOrRelease(pair: string, to: string, limits: ResolvedLimits, deps: ClaimPairDeps, requestId: string): Promise<Slot> {
  return deps.flood.takeForward(to, limits).catch(async (err: unknown) => {
    await deps.ledger.release('delivery', pair, requestId).catch(() => undefined);
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
