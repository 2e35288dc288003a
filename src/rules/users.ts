import type { PathProblem } from './positions.js';
import { BUILTIN_PLACEHOLDERS, type Template } from './template.js';
import { compileTargets } from './targets.js';

/** User name → target templates. A Map, so a lookup costs the same with 5 users or 10,000. */
export type UserTable = ReadonlyMap<string, readonly Template[]>;

// A `{user}` token only ever sees characters a capture can hold, so any other name could never match.
const USER_NAME = /^[a-z0-9._-]+$/;
const USER_PLACEHOLDERS: ReadonlySet<string> = new Set(BUILTIN_PLACEHOLDERS);

export function compileUsers(raw: unknown, ownDomains: ReadonlySet<string>, problems: PathProblem[]): Map<string, Template[]> {
  const users = new Map<string, Template[]>();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return users;
  for (const [name, entry] of Object.entries(raw)) {
    if (!USER_NAME.test(name)) {
      problems.push({ path: ['users', name], atKey: true, message: `user name "${name}" must be lower-case letters, digits, ".", "_" or "-"` });
    }
    // The mapping form `{to: …}` is where later per-user keys (sender policies) will be read.
    const isMapping = entry !== null && typeof entry === 'object' && !Array.isArray(entry);
    const mapping = isMapping ? (entry as Record<string, unknown>) : null;
    const to: unknown = mapping ? mapping.to : entry;
    const path = mapping ? ['users', name, 'to'] : ['users', name];
    users.set(name, compileTargets(to, path, USER_PLACEHOLDERS, ownDomains, problems, { anyMailbox: mapping?.any_mailbox === true }));
  }
  return users;
}
