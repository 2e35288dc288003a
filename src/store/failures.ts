import type { AliasFailures, FailureEntry } from './types.js';

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
  for (const { count, last } of entries) {
    const seen = out.get(last.alias);
    if (!seen) out.set(last.alias, { failed: count, last });
    else out.set(last.alias, { failed: seen.failed + count, last: last.at > seen.last.at ? last : seen.last });
  }
  return out;
}
