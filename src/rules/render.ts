import { parseTarget } from './address.js';
import { renderTemplate, type Template } from './template.js';

/**
 * Renders every template for one recipient; null if any result is not one valid address on the
 * template's own domain. Used for route targets and for policy `{to: …}` targets alike, so both get the
 * same checks: no recipient, however crafted, can add an address or change where mail goes.
 */
export function renderTargets(templates: readonly Template[], values: Readonly<Record<string, string>>): string[] | null {
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
