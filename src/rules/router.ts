import { parseAddress, parseTarget } from './address.js';
import { matchPattern } from './pattern.js';
import type { CompiledRule } from './rule-list.js';
import { renderTemplate, type Template } from './template.js';
import type { RouteDecision } from './types.js';
import type { UserTable } from './users.js';

/**
 * The pure routing function over compiled rules: strict parse, domain check, first matching rule.
 * Every rendered target is re-parsed and its domain compared with the template's literal domain,
 * so no recipient, however crafted, can add an address or change where mail goes.
 */
export function makeRouter(domains: ReadonlySet<string>, users: UserTable, rules: readonly CompiledRule[]) {
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
      const templates = action.kind === 'to' ? action.targets : users.get(user ?? '') ?? [];
      const values = { service: '', ...match.captures, user: user ?? '', local: address.local, domain: address.domain };
      const to = renderAll(templates, values);
      if (to === null) return { action: 'reject', reason: 'invalid-target', rule: rule.index };
      return { action: 'forward', to, rule: rule.index, user };
    }
    return { action: 'reject', reason: 'no-rule', rule: null };
  };
}

/** Renders every template; null if any result is not one valid address on the template's own domain. */
function renderAll(templates: readonly Template[], values: Record<string, string>): string[] | null {
  const out: string[] = [];
  for (const template of templates) {
    const rendered = renderTemplate(template, values);
    const target = parseTarget(rendered);
    if (target === null || target.domain !== template.domain) return null;
    const address = `${target.local}@${target.domain}`;
    if (!out.includes(address)) out.push(address);
  }
  return out.length > 0 ? out : null;
}
