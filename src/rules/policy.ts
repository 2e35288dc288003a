import { DEFAULT_POLICY, DEFAULT_LEARN_MS, type PolicyAction, type ResolvedPolicy, type SenderPattern } from './resolved-policy.js';
import { isHostname, parseAddress } from './address.js';
import { parseDuration } from './duration.js';
import type { DocPath, PathProblem } from './positions.js';
import { renderTargets } from './render.js';
import { compileTargets } from './targets.js';
import type { Template } from './template.js';

/** A `then:` as compiled: a redirect still holds templates, rendered per recipient by `resolvePolicy`. */
export type CompiledAction = { action: 'forward' } | { action: 'reject' } | { action: 'redirect'; to: readonly Template[] };

/** The policy keys one level (top, user, rule) sets; an absent key leaves it to the outer levels. */
export interface PolicyLayer {
  readonly spam?: { readonly scoreAbove: number | null; readonly then: CompiledAction };
  readonly leaks?: { readonly learnMs: number; readonly then: CompiledAction };
  readonly senders?: ResolvedPolicy['senders'];
  readonly newAliases?: ResolvedPolicy['newAliases'];
}

const FORWARD: CompiledAction = Object.freeze({ action: 'forward' });

/**
 * Compiles the policy keys of one mapping (the file's top level, a user's mapping form, or a rule). Shapes
 * are the schema's job; this checks meaning — durations, sender entries, `{to}` templates (with the same
 * rules as any target: literal domain, never one of ours, only `placeholders`) — each at its own node.
 */
export function compilePolicyLayer(
  raw: Readonly<Record<string, unknown>>,
  path: DocPath,
  placeholders: ReadonlySet<string>,
  ownDomains: ReadonlySet<string>,
  problems: PathProblem[],
): PolicyLayer {
  const action = (value: unknown, at: DocPath): CompiledAction => {
    if (value === 'reject') return { action: 'reject' };
    if (value === null || typeof value !== 'object' || !('to' in value)) return FORWARD;
    const to = compileTargets(value.to, [...at, 'to'], placeholders, ownDomains, problems);
    return to.length > 0 ? { action: 'redirect', to } : FORWARD;
  };
  const layer: { -readonly [K in keyof PolicyLayer]: PolicyLayer[K] } = {};
  const spam = mapping(raw.spam);
  if (spam) layer.spam = { scoreAbove: typeof spam.score_above === 'number' ? spam.score_above : null, then: action(spam.then, [...path, 'spam', 'then']) };
  const leaks = mapping(raw.leaks);
  if (leaks) {
    let learnMs = DEFAULT_LEARN_MS;
    if (typeof leaks.learn === 'string') {
      const parsed = parseDuration(leaks.learn);
      if (parsed === null) problems.push({ path: [...path, 'leaks', 'learn'], message: `"${leaks.learn}" is not a duration (a whole number and s, m, h, d or w: 0s, 12h, 7d)` });
      learnMs = parsed ?? learnMs;
    }
    layer.leaks = { learnMs, then: action(leaks.then, [...path, 'leaks', 'then']) };
  }
  const senders = mapping(raw.senders);
  if (senders) {
    const list = (key: 'allow' | 'block') => senderPatterns(senders[key], [...path, 'senders', key], problems);
    layer.senders = { allow: Array.isArray(senders.allow) ? list('allow') : null, block: list('block') };
  }
  if (raw.new_aliases === 'accept' || raw.new_aliases === 'reject') layer.newAliases = raw.new_aliases;
  return layer;
}

/** A YAML mapping as a record, or null for anything else (shapes are the schema's to report). */
export function mapping(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function senderPatterns(raw: unknown, path: DocPath, problems: PathProblem[]): SenderPattern[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item: unknown, i): SenderPattern[] => {
    if (typeof item !== 'string') return [];
    const lower = item.toLowerCase();
    const address = lower.includes('@') ? parseAddress(item) : null;
    if (address) return [{ kind: 'address', address: `${address.local}@${address.domain}` }];
    if (!lower.includes('@') && isHostname(lower)) return [{ kind: 'domain', domain: lower }];
    problems.push({ path: [...path, i], message: `"${item}" is neither a domain (it matches its subdomains too) nor one full address` });
    return [];
  });
}

function render(then: CompiledAction, values: Readonly<Record<string, string>>): PolicyAction {
  return then.action === 'redirect' ? { action: 'redirect', to: renderTargets(then.to, values) } : then;
}

/**
 * The policy for one recipient: each key from the innermost layer that sets it (`layers` run from the
 * top level inwards), `{to}` targets rendered with the recipient's values. Undefined when no layer sets
 * any key, so routing without policies gives the same decisions as before policies existed.
 */
export function resolvePolicy(layers: readonly PolicyLayer[], values: Readonly<Record<string, string>>): ResolvedPolicy | undefined {
  let merged: PolicyLayer = {};
  for (const layer of layers) merged = { ...merged, ...layer };
  if (Object.keys(merged).length === 0) return undefined;
  return {
    spam: merged.spam ? { scoreAbove: merged.spam.scoreAbove, then: render(merged.spam.then, values) } : null,
    leaks: merged.leaks ? { learnMs: merged.leaks.learnMs, then: render(merged.leaks.then, values) } : DEFAULT_POLICY.leaks,
    senders: merged.senders ?? DEFAULT_POLICY.senders,
    newAliases: merged.newAliases ?? DEFAULT_POLICY.newAliases,
  };
}
