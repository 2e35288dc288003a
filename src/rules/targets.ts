import type { DocPath, PathProblem } from './positions.js';
import { parseTemplate, type Template, type TemplateOptions } from './template.js';

/**
 * Compiles one `to:`-style value (a string or a list of strings) into templates, reporting each bad
 * template at its own node. Values of the wrong shape are skipped: the schema already reported them.
 * Every template goes through parseTemplate's checks (literal domain, literal mailbox unless `options` says
 * `anyMailbox` from an explicit `any_mailbox: true`), whatever part of the file it comes from.
 */
export function compileTargets(
  raw: unknown,
  path: DocPath,
  allowed: ReadonlySet<string>,
  ownDomains: ReadonlySet<string>,
  problems: PathProblem[],
  options: TemplateOptions = {},
): Template[] {
  const items: [unknown, DocPath][] = Array.isArray(raw) ? raw.map((item: unknown, i) => [item, [...path, i]]) : [[raw, path]];
  const templates: Template[] = [];
  for (const [item, itemPath] of items) {
    if (typeof item !== 'string') continue;
    const parsed = parseTemplate(item, allowed, options);
    if (!parsed.ok) {
      problems.push({ path: itemPath, message: parsed.message, index: parsed.index });
    } else if (ownDomains.has(parsed.value.domain)) {
      const at = item.lastIndexOf('@') + 1;
      problems.push({ path: itemPath, index: at, message: `target "${item}" is on the relay's own domain "${parsed.value.domain}": that would be a mail loop` });
    } else {
      templates.push(parsed.value);
    }
  }
  return templates;
}
