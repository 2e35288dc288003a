import type { RouteDecision } from '../rules/types.js';
import type { AliasEntry } from '../store/inventory.js';

/**
 * Why an alias's mail was refused for good (406, never retried), as the owner reads it: `blocked`; `new-aliases`,
 * an alias the relay did not know under `new_aliases: reject` (one of the owner's not yet added or imported would be
 * here); `policy`, the rules' sender or spam policies.
 */
export type RefusalReason = 'blocked' | 'new-aliases' | 'policy';

export interface RefusalCount {
  aliases: number;
  messages: number;
}

export type RefusalCounts = Record<RefusalReason, RefusalCount>;

export const noRefusals = (): RefusalCounts => ({ blocked: { aliases: 0, messages: 0 }, 'new-aliases': { aliases: 0, messages: 0 }, policy: { aliases: 0, messages: 0 } });

/**
 * The reason an alias counts as refused in [since, until), or null: a blocked alias mailed then, or an alias first
 * mailed then whose every message was refused. Never forwarded, not added, not blocked: under `new_aliases: reject`
 * that refusal came before any other (policy/decide.ts), so that is its reason.
 */
export function refusalOf(entry: AliasEntry, decision: RouteDecision, since: number, until: number): RefusalReason | null {
  const within = (at: number | null): boolean => at !== null && at >= since && at < until;
  if (entry.blocked) return within(entry.lastSeen) ? 'blocked' : null;
  if (entry.forwarded > 0 || entry.refused === 0 || !within(entry.firstSeen)) return null;
  return decision.action === 'forward' && decision.policy?.newAliases === 'reject' && entry.added === null ? 'new-aliases' : 'policy';
}

/** Adds the entry to `counts` under its reason, if it has one. */
export function countRefusal(counts: RefusalCounts, entry: AliasEntry, decision: RouteDecision, since: number, until: number): void {
  const reason = refusalOf(entry, decision, since, until);
  if (reason === null) return;
  counts[reason].aliases += 1;
  counts[reason].messages += entry.refused;
}
