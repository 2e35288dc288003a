import { UpstreamRefused, type Outbound, type Transport } from './forward/types.js';
import { classifySendError } from './forward/classify.js';
import { SendsSaturated } from './forward/limit.js';
import { StoreUnavailableError, type Ledger } from './store/types.js';
import type { TargetOutcome } from './retry-contract.js';
import type { FloodHold } from './rules/resolved-limits.js';
import { holdReason, type FloodGuard } from './flood/budget.js';
import type { ClaimedPair } from './claim-pair.js';
import type { ExactlyOncePolicy } from './exactly-once.js';

export interface SendOnceDeps {
  transport: Transport;
  ledger: Ledger;
  flood: FloodGuard;
  exactlyOnce: ExactlyOncePolicy;
}

export interface TargetResult {
  outcome: TargetOutcome;
  reason: string;
  id?: string;
  held?: FloodHold;
  /** A forwarded pair's completion, issued and not yet awaited: settles to its error (the store's), or null once written. */
  completed?: Promise<Error | null>;
}

/**
 * Sends the message to one target unless it already has it. Forwarded earlier (under another token, or
 * before a partial failure): not again. Being forwarded by another copy right now (any instance): wait
 * for it rather than send twice.
 */
export async function sendOnce(build: (to: string) => Outbound, { pair, to, claim }: ClaimedPair, deps: SendOnceDeps, requestId: string): Promise<TargetResult> {
  const release = () => deps.ledger.release('delivery', pair, requestId).catch(() => undefined);
  try {
    // The mailbox's budget is counted only once the pair is ours, so a copy already forwarded costs nothing.
    const claimed = await claim;
    if (claimed.claim === 'used') return { outcome: 'duplicate', reason: `already forwarded to ${to}` };
    if (claimed.claim === 'busy') return { outcome: 'busy', reason: `the same message is being forwarded to ${to} by another delivery` };
    const { slot } = claimed;
    if ('held' in slot) {
      await release();
      return { outcome: 'over-limit', reason: holdReason(slot.held), held: slot.held };
    }
    let id: string;
    try {
      ({ id } = await deps.transport.send(build(to)));
    } catch (err) {
      await deps.flood.giveBack(slot.taken);
      await release();
      return sendFailure(err);
    }
    // Not awaited here: the delivery's other writes join its commit (deliver() awaits them all before answering).
    const completed = deps.ledger.complete('delivery', pair, deps.exactlyOnce.deliveredTtlMs).then(
      () => null,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
    return { outcome: 'forwarded', reason: 'forwarded', id, completed };
  } catch (err) {
    if (err instanceof StoreUnavailableError) return { outcome: 'store-unavailable', reason: err.message };
    throw err;
  }
}

/** A failed send as data: refused for good, or worth Mailgun's retry. */
function sendFailure(err: unknown): TargetResult {
  if (err instanceof SendsSaturated) return { outcome: 'busy', reason: err.message };
  const classified = classifySendError(err);
  return { outcome: classified instanceof UpstreamRefused ? 'rejected' : 'failed', reason: classified.message };
}
