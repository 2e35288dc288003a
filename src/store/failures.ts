import { createHash } from 'node:crypto';
import type { AliasFailures, Failure, FailureEntry } from './types.js';

export interface FailureLogLimits {
  /** A pair is forgotten this long after its last failure. */
  retentionMs: number;
  /** At most this many (alias, target) pairs are kept; the ones that failed longest ago go first. */
  maxPairs: number;
}

/**
 * A month of history is what an owner looks back on ("why did nothing arrive from the bank?"); 2,000
 * pairs is far beyond the aliases a person uses, and small enough that reading them all is cheap.
 */
export const FAILURE_LOG_LIMITS: FailureLogLimits = { retentionMs: 30 * 24 * 3600_000, maxPairs: 2000 };

/** Both backends store pairs; the inventory wants aliases: the sum of their pairs' counts and the latest failure. */
export function byAlias(entries: Iterable<FailureEntry>): Map<string, AliasFailures> {
  const out = new Map<string, AliasFailures>();
  for (const { count, last, resentAt } of entries) {
    const seen = out.get(last.alias);
    if (!seen) out.set(last.alias, { failed: count, last, resentAt });
    else out.set(last.alias, last.at > seen.last.at ? { failed: seen.failed + count, last, resentAt } : { ...seen, failed: seen.failed + count });
  }
  return out;
}

/**
 * The id an owner copies from `plus-relay doctor` or the page to resend a failure: 12 hex characters of a
 * SHA-256 over the pair and the time of its last failure. Stable while that failure is the pair's last, new
 * when the pair fails again (a new message to resend), and the same on every instance and backend. 48 bits
 * among at most a few thousand pairs: a collision is not a practical concern.
 */
export function failureId(failure: Pick<Failure, 'alias' | 'target' | 'at'>): string {
  return createHash('sha256').update(`${failure.alias}\n${failure.target}\n${failure.at}`).digest('hex').slice(0, 12);
}

export const FAILURE_ID = /^[0-9a-f]{12}$/;
