import type { Clock } from '../clock.js';
import type { BounceWatch } from '../store/bounce-watch.js';
import type { Ledger } from '../store/types.js';
import { bounceKind } from './bounce-code.js';
import type { FailedEvent } from './event.js';
import type { StoredBounce, Suppressions } from './suppressions.js';

/**
 * What the relay did about a target's place on the bounce list. `removed-again`: removed, and not for the
 * first time within a day (the bounce watch), which the owner must hear about.
 */
export const BOUNCE_ACTIONS = ['removed', 'removed-again', 'kept-missing-mailbox', 'not-listed', 'recently-handled', 'error'] as const;
export type BounceAction = (typeof BOUNCE_ACTIONS)[number];

export interface BounceOutcome {
  action: BounceAction;
  bounce: StoredBounce | null;
  /** Why a check failed (for the log), else null. */
  error: string | null;
}

export interface UnsuppressDeps {
  suppressions: Suppressions;
  ledger: Ledger;
  /** Removals of each target within the day: a second one is reported. */
  watch: BounceWatch;
  clock: Clock;
  /**
   * A target handled once is left alone this long (1 h): a steady stream of refused messages costs at most
   * one lookup and one removal an hour per target, and the owner is never cut off for longer than that.
   */
  everyMs: number;
  /** How long an in-flight check holds the target if its holder dies. */
  claimTtlMs: number;
}

export const UNSUPPRESS_EVERY_MS = 3600_000;
// The bounce's text, kept for the owner to read on the page and in doctor.
const MAX_ERROR = 300;

/**
 * What a failure to a rule target calls for. A permanent refusal for a missing mailbox (5.1.x) is Mailgun
 * being right: report it. A target already on the bounce list (`suppress-bounce`), or a permanent policy
 * refusal (5.7.x: DMARC, spam, reputation) that put it there: look at the stored bounce. Anything else
 * (temporary, mailbox full, …) is Mailgun's to retry.
 */
export function bounceStep(failure: FailedEvent): 'unsuppress' | 'missing-mailbox' | null {
  const kind = bounceKind(failure.status);
  if (failure.severity === 'permanent' && kind === 'missing-mailbox') return 'missing-mailbox';
  if (failure.reason === 'suppress-bounce') return 'unsuppress';
  return failure.severity === 'permanent' && kind === 'policy' ? 'unsuppress' : null;
}

/**
 * Removes the target's bounce unless it says the mailbox does not exist, at most once per target per
 * `everyMs` (a ledger claim, so several instances agree), and notes each removal in the bounce watch: a
 * second within its window is `removed-again`. Nothing found, or the API failing, frees the target
 * again: the next failure looks once more.
 */
export async function unsuppress({ target, alias }: { target: string; alias: string }, owner: string, deps: UnsuppressDeps): Promise<BounceOutcome> {
  const outcome = (action: BounceAction, bounce: StoredBounce | null = null, error: string | null = null): BounceOutcome => ({ action, bounce, error });
  const { ledger } = deps;
  try {
    if ((await ledger.claim('unsuppress', target, owner, deps.claimTtlMs)) !== 'claimed') return outcome('recently-handled');
  } catch (err) {
    return outcome('error', null, message(err));
  }
  let bounce: StoredBounce | null = null;
  try {
    bounce = await deps.suppressions.getBounce(target);
    if (!bounce) {
      await ledger.release('unsuppress', target, owner).catch(() => undefined);
      return outcome('not-listed');
    }
    const missing = bounceKind({ code: bounce.code, message: bounce.error }) === 'missing-mailbox';
    let action: BounceAction = 'kept-missing-mailbox';
    let watchError: string | null = null;
    if (!missing) {
      await deps.suppressions.deleteBounce(target);
      // Noted while the claim is ours, so no other instance notes the same target in between. Removed whatever
      // the watch says: a watch that cannot write only loses the warning, and the log says so.
      const error = bounce.error.replace(/[\r\n\t]+/g, ' ').slice(0, MAX_ERROR);
      const removals = await deps.watch.removed({ target, alias, error, at: deps.clock.now() }).catch((err: unknown) => message(err));
      if (typeof removals === 'string') watchError = `bounce watch: ${removals}`;
      action = typeof removals === 'number' && removals > 1 ? 'removed-again' : 'removed';
    }
    // Done either way; if the store cannot say so, the claim expires and a later failure finds the list clean.
    await ledger.complete('unsuppress', target, deps.everyMs).catch(() => undefined);
    return outcome(action, bounce, watchError);
  } catch (err) {
    await ledger.release('unsuppress', target, owner).catch(() => undefined);
    return outcome('error', bounce, message(err));
  }
}

function message(err: unknown): string {
  const e = (err && typeof err === 'object' ? err : {}) as { status?: unknown; message?: unknown };
  const text = typeof e.message === 'string' ? e.message : String(err);
  return `${typeof e.status === 'number' ? `${e.status} ` : ''}${text}`.slice(0, 300);
}
