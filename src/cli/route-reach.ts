/**
 * How much of one domain's mail a Mailgun route expression matches, read from the expression's text. Mailgun
 * evaluates an account's routes by priority and `catch_all()` matches only what no earlier route matched, so this
 * tells doctor whether the relay's catch-all takes another domain's mail, and whether an earlier route takes the
 * relay's. Only `catch_all()` and `match_recipient("<regex>")` can be read; anything else (`match_header`, `and`
 * combinations) is 'unknown', and callers warn rather than assume.
 *
 * - 'all': every recipient at the domain matches. - 'some': some do (e.g. `sales@domain`).
 * - 'none': the pattern names another domain. - 'unknown': cannot tell from the text.
 */
export type Reach = 'all' | 'some' | 'none' | 'unknown';

const CATCH_ALL = /^\s*catch_all\(\s*\)\s*$/;
const MATCH_RECIPIENT = /^\s*match_recipient\(\s*(["'])(.*)\1\s*\)\s*$/s;
// Local parts of ordinary mail: a pattern that matches all of them takes the whole domain.
const PROBES = ['postmaster', 'j', 'jane.doe', 'shop-4711', 'news+weekly'];

export function reach(expression: string, domain: string): Reach {
  if (CATCH_ALL.test(expression)) return 'all';
  const pattern = MATCH_RECIPIENT.exec(expression)?.[2];
  if (pattern === undefined) return 'unknown';
  const regex = pythonRegex(pattern);
  if (regex === null) return 'unknown';
  const matched = PROBES.filter((local) => regex.test(`${local}@${domain}`)).length;
  if (matched === PROBES.length) return 'all';
  if (matched > 0) return 'some';
  const named = literalDomain(pattern);
  if (named === null) return 'unknown';
  return named === domain.toLowerCase() ? 'some' : 'none';
}

/**
 * Mailgun's patterns are Python regular expressions. Read as Python's re.match does (anchored at the start only),
 * which is the narrower reading: a pattern is never taken to cover a domain it might not. Named groups are
 * translated; a leading (?i) becomes the flag; anything JavaScript cannot compile is unreadable (null).
 */
function pythonRegex(pattern: string): RegExp | null {
  const insensitive = pattern.startsWith('(?i)');
  const source = (insensitive ? pattern.slice(4) : pattern).replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>').replace(/\\Z/g, '$');
  try {
    return new RegExp(`^(?:${source})`, insensitive ? 'i' : '');
  } catch {
    return null;
  }
}

/** The domain a pattern spells out after its last "@" (`sales@example\.com$` → example.com), or null. */
function literalDomain(pattern: string): string | null {
  const at = pattern.lastIndexOf('@');
  if (at < 0) return null;
  const tail = pattern.slice(at + 1).replace(/\$$/, '').replace(/\\\./g, '.').toLowerCase();
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(tail) ? tail : null;
}
