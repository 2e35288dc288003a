import { LineCounter, parseDocument } from 'yaml';
import { compileDomains } from './domains.js';
import { RulesLoadError } from './errors.js';
import { makeLocator, type PathProblem, type RulesProblem } from './positions.js';
import { compileRuleList } from './rule-list.js';
import { makeRouter } from './router.js';
import { targetMatcher } from './target-match.js';
import { compilePolicyLayer } from './policy.js';
import { compileLimits } from './limits.js';
import { BUILTIN_PLACEHOLDERS } from './template.js';
import { structuralProblems } from './schema-errors.js';
import type { CompiledRules } from './types.js';
import { compileUsers } from './users.js';
import { compileDigest, digestTargets } from './digest.js';

/** CompiledRules plus what a person needs to explain a decision (the CLI prints a rule's pattern). */
export interface RuleSet extends CompiledRules {
  readonly rules: readonly { readonly match: string }[];
  /** Whether an address could be a rendered target of this file (doctor finds rule targets on suppression lists). */
  isTarget(address: string): boolean;
}

/**
 * Parses, validates and compiles a rules file. Pure: the same text always gives the same result.
 * Collects every problem it can find (structure, then meaning) and throws them together.
 */
export function compileRules(text: string, file: string): RuleSet {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // Without a sound syntax tree, later positions would be guesses: report syntax errors alone.
    throw new RulesLoadError(
      doc.errors.map((e): RulesProblem => ({ file, ...lines.linePos(e.pos[0]), message: e.message.split('\n')[0] ?? e.message })),
    );
  }
  const locate = makeLocator(file, text, doc, lines);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new RulesLoadError([locate({ path: [], message: `cannot read rules: ${(err as Error).message}` })]);
  }

  if (data === null || data === undefined) {
    throw new RulesLoadError([locate({ path: [], message: 'the rules file is empty (expected domains, users and rules)' })]);
  }
  const problems: PathProblem[] = structuralProblems(data);
  const root = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const domains = compileDomains(root.domains, problems);
  const users = compileUsers(root.users, domains, problems);
  const rules = compileRuleList(root.rules, users, domains, problems);
  const topPolicy = compilePolicyLayer(root, [], new Set(BUILTIN_PLACEHOLDERS), domains, problems);
  const topLimits = compileLimits(root.limits, ['limits'], problems);
  const digest = compileDigest(root.digest, problems);
  if (problems.length > 0) throw new RulesLoadError(problems.map(locate));

  const route = makeRouter(domains, users, rules, topPolicy, topLimits, root.replies === true);
  const isTarget = targetMatcher([...[...users.values()].map((u) => u.targets), ...rules.map((r) => (r.action.kind === 'to' ? r.action.targets : []))].flat());
  return Object.freeze({
    file,
    domains: Object.freeze([...domains]),
    userCount: users.size,
    users: Object.freeze([...users.keys()]),
    ruleCount: rules.length,
    rules: Object.freeze(rules.map((r) => Object.freeze({ match: r.pattern.source }))),
    // Routing never reads the sender: what happens to a message from whom is the policy's decision
    // (policy/decide.ts), taken with the message's facts, beside the route.
    route: (recipient: string, _sender?: string) => route(recipient),
    isTarget,
    ...(digest ? { digest } : {}),
    digestTargets: digestTargets(users, [...domains][0] ?? ''),
  });
}
