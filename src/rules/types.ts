import type { ResolvedPolicy } from './resolved-policy.js';
import type { ResolvedLimits } from './resolved-limits.js';
import type { DigestSchedule } from './digest.js';

/**
 * What the rules engine decides for one recipient. A decision is data, not an exception:
 * the HTTP layer maps it to Mailgun's status codes, the CLI prints it.
 */
export type RejectReason =
  | 'invalid-address' // not exactly one syntactically valid address
  | 'foreign-domain' // a domain that is not in `domains:`
  | 'no-rule' // no rule matched the local part
  | 'reject-rule' // a rule with `reject: true` matched
  | 'invalid-target'; // a template rendered to something that is not one valid address

export type RouteDecision =
  /**
   * `policy`: present when rules.yaml sets a policy key that applies to this recipient (resolved-policy.ts); `limits`:
   * when the top level or the recipient's user sets a flood-guard limit (resolved-limits.ts); `replies`: present (true)
   * when `replies: true` applies to the recipient (its user's, else the top level's).
   */
  | { action: 'forward'; to: string[]; rule: number; user: string | null; policy?: ResolvedPolicy; limits?: ResolvedLimits; replies?: true }
  | { action: 'reject'; reason: RejectReason; rule: number | null };

/** A compiled, immutable rule set. `route` is pure and never throws. */
export interface CompiledRules {
  readonly file: string;
  readonly domains: readonly string[];
  readonly userCount: number;
  /** The names under `users:`, in the file's order (the alias API's default user is the first). */
  readonly users: readonly string[];
  readonly ruleCount: number;
  /** `sender` (the envelope sender) is never read: sender policies are decided beside the route (policy/decide.ts). */
  route(recipient: string, sender?: string): RouteDecision;
  /** rules.yaml `digest:`; absent when the daily digest is off. */
  readonly digest?: DigestSchedule;
  /** User name → where their digest goes (rules/digest.ts); null when their targets cannot be rendered for it. */
  readonly digestTargets?: ReadonlyMap<string, readonly string[] | null>;
}
