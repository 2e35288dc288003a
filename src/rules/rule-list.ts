import { parsePattern, type Pattern } from './pattern.js';
import { compilePolicyLayer, type PolicyLayer } from './policy.js';
import type { PathProblem } from './positions.js';
import { BUILTIN_PLACEHOLDERS, type Template } from './template.js';
import { compileTargets } from './targets.js';
import type { UserTable } from './users.js';

/** What a rule does once its pattern matched. `matched-user` forwards to whoever `{user}` matched. */
export type RuleAction =
  | { kind: 'reject' }
  | { kind: 'user'; user: string }
  | { kind: 'to'; targets: readonly Template[] }
  | { kind: 'matched-user' };

export interface CompiledRule {
  index: number;
  pattern: Pattern;
  action: RuleAction;
  /** The rule's own policy keys: the innermost level, over its user's and the top level's. */
  policy: PolicyLayer;
}

const ACTION_KEYS = ['user', 'to', 'reject'] as const;

/** Compiles every rule it can, collecting problems for the others; the result is only used if there are none. */
export function compileRuleList(raw: unknown, users: UserTable, ownDomains: ReadonlySet<string>, problems: PathProblem[]): CompiledRule[] {
  if (!Array.isArray(raw)) return [];
  const compiled: CompiledRule[] = [];
  raw.forEach((item: unknown, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
    const entry = item as Record<string, unknown>;
    const rule = compileAction(entry, index, users, ownDomains, problems);
    // A policy `{to}` on a rule may use what its pattern captures, as well as every built-in placeholder.
    // Checked even when the rule itself has problems, so that one run reports them all.
    const parsed = typeof entry.match === 'string' ? parsePattern(entry.match) : null;
    const placeholders = new Set([...BUILTIN_PLACEHOLDERS, ...(parsed?.ok ? parsed.value.captures : [])]);
    const policy = compilePolicyLayer(entry, ['rules', index], placeholders, ownDomains, problems);
    if (rule) compiled.push({ index, ...rule, policy });
  });
  return compiled;
}

function compileAction(
  rule: Record<string, unknown>,
  index: number,
  users: UserTable,
  ownDomains: ReadonlySet<string>,
  problems: PathProblem[],
): { pattern: Pattern; action: RuleAction } | null {
  const path = ['rules', index];
  if (typeof rule.match !== 'string') return null;
  const parsed = parsePattern(rule.match);
  if (!parsed.ok) {
    problems.push({ path: [...path, 'match'], message: parsed.message, index: parsed.index });
    return null;
  }
  const pattern = parsed.value;
  const present = ACTION_KEYS.filter((key) => key in rule);
  if (present.length > 1) {
    problems.push({ path, message: `rule ${index} has ${present.join(' and ')}: a rule takes exactly one of user, to or reject` });
    return null;
  }
  const [key] = present;
  if ('any_mailbox' in rule && key !== 'to') {
    // Without its own to: the rule forwards to a user's templates, and the opt-in belongs where those are written.
    problems.push({ path: [...path, 'any_mailbox'], atKey: true, message: `any_mailbox applies to a rule's own to: (for a user's targets, put it in the user's mapping next to to)` });
    return null;
  }
  if (key === undefined) {
    if (pattern.hasUser) return { pattern, action: { kind: 'matched-user' } };
    problems.push({ path, message: `rule ${index} needs one of user, to or reject (only a match with {user} may leave them out)` });
    return null;
  }
  if (key === 'reject') return rule.reject === true ? { pattern, action: { kind: 'reject' } } : null;
  if (key === 'user') {
    if (typeof rule.user !== 'string') return null;
    if (users.has(rule.user)) return { pattern, action: { kind: 'user', user: rule.user } };
    problems.push({ path: [...path, 'user'], message: `unknown user "${rule.user}" (not defined under users)` });
    return null;
  }
  // A rule's own template may use what its pattern captures; `{user}` only if the pattern can fill it.
  const allowed = new Set(['local', 'domain', ...pattern.captures, ...(pattern.hasUser ? ['user'] : [])]);
  const before = problems.length;
  const targets = compileTargets(rule.to, [...path, 'to'], allowed, ownDomains, problems, { anyMailbox: rule.any_mailbox === true });
  return problems.length === before && targets.length > 0 ? { pattern, action: { kind: 'to', targets } } : null;
}
