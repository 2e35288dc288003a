/**
 * Policies as the rules engine hands them to the delivery: resolved for one recipient (rule over user over
 * top level, each key taken whole from the innermost level that sets it) and with `{to: …}` targets
 * already rendered for that recipient. Pure data: deciding is decide.ts, the store I/O is step.ts.
 */

/** A `then:` value. `to: null`: the template did not render a valid address for this recipient. */
export type PolicyAction = { action: 'forward' } | { action: 'reject' } | { action: 'redirect'; to: readonly string[] | null };

/** An entry of `senders.allow` / `senders.block`: a domain (itself and its subdomains) or one full address. */
export type SenderPattern = { kind: 'domain'; domain: string } | { kind: 'address'; address: string };

export interface ResolvedPolicy {
  /** null: no `spam:` key applies, spam marking is not looked at. */
  spam: { scoreAbove: number | null; then: PolicyAction } | null;
  leaks: { learnMs: number; then: PolicyAction };
  senders: { allow: readonly SenderPattern[] | null; block: readonly SenderPattern[] };
  newAliases: 'accept' | 'reject';
}

/** How long an alias learns its sender domains when no `leaks.learn` says otherwise. */
export const DEFAULT_LEARN_MS = 7 * 24 * 3600 * 1000;

/** What applies when rules.yaml sets no policy key at all: forward everything, still flag new senders. */
export const DEFAULT_POLICY: ResolvedPolicy = Object.freeze({
  spam: null,
  leaks: Object.freeze({ learnMs: DEFAULT_LEARN_MS, then: Object.freeze({ action: 'forward' as const }) }),
  senders: Object.freeze({ allow: null, block: Object.freeze([]) }),
  newAliases: 'accept' as const,
});
