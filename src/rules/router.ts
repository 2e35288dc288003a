import { parseAddress } from './address.js';
import { matchPattern } from './pattern.js';
import { resolvePolicy, type PolicyLayer } from './policy.js';
import { resolveLimits, type LimitsLayer } from './resolved-limits.js';
import { renderTargets } from './render.js';
import type { CompiledRule } from './rule-list.js';
import type { RouteDecision } from './types.js';
import type { UserTable } from './users.js';

/**
 * The pure routing function over compiled rules: strict parse, domain check, first matching rule.
 * Every rendered target is re-parsed and its domain compared with the template's literal domain,
 * so no recipient, however crafted, can add an address or change where mail goes. A forward carries the
 * policy resolved for its recipient (rule over user over `topPolicy`), when any level sets one, and so do the flood
 * guard's limits (user over `topLimits`), and `replies: true` when the user (else the top level) turns replies on.
 */
export function makeRouter(domains: ReadonlySet<string>, users: UserTable, rules: readonly CompiledRule[], topPolicy: PolicyLayer = {}, topLimits: LimitsLayer = {}, topReplies = false) {
  const isUser = (name: string): boolean => users.has(name);

  return function route(recipient: string): RouteDecision {
    const address = parseAddress(recipient);
    if (address === null) return { action: 'reject', reason: 'invalid-address', rule: null };
    if (!domains.has(address.domain)) return { action: 'reject', reason: 'foreign-domain', rule: null };
    for (const rule of rules) {
      const match = matchPattern(rule.pattern, address.local, isUser);
      if (match === null) continue;
      const { action } = rule;
      if (action.kind === 'reject') return { action: 'reject', reason: 'reject-rule', rule: rule.index };
      const user = action.kind === 'user' ? action.user : match.user;
      const owner = user === null ? undefined : users.get(user);
      const templates = action.kind === 'to' ? action.targets : owner?.targets ?? [];
      const values = { service: '', ...match.captures, user: user ?? '', local: address.local, domain: address.domain };
      const to = renderTargets(templates, values);
      if (to === null) return { action: 'reject', reason: 'invalid-target', rule: rule.index };
      const policy = resolvePolicy([topPolicy, owner?.policy ?? {}, rule.policy], values);
      const limits = resolveLimits([topLimits, owner?.limits ?? {}]);
      // Absent when off, so a decision reads as it did before replies existed.
      const replies = owner?.replies ?? topReplies;
      return { action: 'forward', to, rule: rule.index, user, ...(policy && { policy }), ...(limits && { limits }), ...(replies && { replies }) };
    }
    return { action: 'reject', reason: 'no-rule', rule: null };
  };
}
