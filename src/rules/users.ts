import type { PathProblem } from './positions.js';
import { compilePolicyLayer, type PolicyLayer } from './policy.js';
import { compileLimits } from './limits.js';
import type { LimitsLayer } from './resolved-limits.js';
import { BUILTIN_PLACEHOLDERS, type Template } from './template.js';
import { compileTargets } from './targets.js';

/** A user: where their mail goes, and the policy keys and limits of their mapping form (empty in the other forms). */
export interface CompiledUser {
  targets: readonly Template[];
  policy: PolicyLayer;
  limits: LimitsLayer;
  /** The mapping form's `replies:`; undefined leaves it to the top level. */
  replies?: boolean;
}

/** User name → user. A Map, so a lookup costs the same with 5 users or 10,000. */
export type UserTable = ReadonlyMap<string, CompiledUser>;

// A `{user}` token only ever sees characters a capture can hold, so any other name could never match.
const USER_NAME = /^[a-z0-9._-]+$/;
const USER_PLACEHOLDERS: ReadonlySet<string> = new Set(BUILTIN_PLACEHOLDERS);
const NO_POLICY: PolicyLayer = Object.freeze({});

export function compileUsers(raw: unknown, ownDomains: ReadonlySet<string>, problems: PathProblem[]): Map<string, CompiledUser> {
  const users = new Map<string, CompiledUser>();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return users;
  for (const [name, entry] of Object.entries(raw)) {
    if (!USER_NAME.test(name)) {
      problems.push({ path: ['users', name], atKey: true, message: `user name "${name}" must be lower-case letters, digits, ".", "_" or "-"` });
    }
    // The mapping form `{to: …}` is where per-user policy keys (spam, leaks, senders, new_aliases) live.
    const isMapping = entry !== null && typeof entry === 'object' && !Array.isArray(entry);
    const mapping = isMapping ? (entry as Record<string, unknown>) : null;
    const to: unknown = mapping ? mapping.to : entry;
    const path = mapping ? ['users', name, 'to'] : ['users', name];
    users.set(name, {
      targets: compileTargets(to, path, USER_PLACEHOLDERS, ownDomains, problems, { anyMailbox: mapping?.any_mailbox === true }),
      policy: mapping ? compilePolicyLayer(mapping, ['users', name], USER_PLACEHOLDERS, ownDomains, problems) : NO_POLICY,
      limits: compileLimits(mapping?.limits, ['users', name, 'limits'], problems),
      ...(typeof mapping?.replies === 'boolean' ? { replies: mapping.replies } : {}),
    });
  }
  return users;
}
