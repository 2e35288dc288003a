import { isHostname } from './address.js';
import type { PathProblem } from './positions.js';

/**
 * The relay's own domains, lower-cased. Checked item by item so that one bad entry does not hide
 * problems in the others; the list's shape (non-empty list of strings) is the schema's job.
 */
export function compileDomains(raw: unknown, problems: PathProblem[]): Set<string> {
  const domains = new Set<string>();
  if (!Array.isArray(raw)) return domains;
  raw.forEach((item: unknown, i) => {
    if (typeof item !== 'string') return;
    const domain = item.toLowerCase();
    if (!isHostname(domain)) {
      problems.push({ path: ['domains', i], message: `"${item}" is not a valid domain name` });
    } else if (domains.has(domain)) {
      problems.push({ path: ['domains', i], message: `domain "${item}" is listed twice` });
    } else {
      domains.add(domain);
    }
  });
  return domains;
}
