/**
 * A `match:` pattern compiled to a few small token matchers, matched against a lower-cased local part.
 *
 * Tokens: literal text, `{name}` (a non-empty run of [a-z0-9._-]), `{user}` (a name under `users:`),
 * and `*` (any run of local-part characters, possibly empty).
 *
 * Ambiguity is resolved deterministically: tokens are tried left to right and each variable token takes
 * the LONGEST value that still lets the rest of the pattern match. So `{user}.{service}` against
 * `john.doe.shop` with users `john` and `john.doe` picks user `john.doe`, service `shop`; and
 * `{a}.{b}` against `x.y.z` gives a = `x.y`, b = `z`.
 */

export type Token =
  | { kind: 'literal'; text: string }
  | { kind: 'capture'; name: string }
  | { kind: 'user' }
  | { kind: 'wildcard' };

export interface Pattern {
  source: string;
  tokens: readonly Token[];
  /** Names captured by `{name}` tokens, excluding `user`. */
  captures: readonly string[];
  hasUser: boolean;
}

export interface PatternMatch {
  captures: Record<string, string>;
  user: string | null;
}

// Names in templates that a pattern may not capture, because they mean something else there.
const RESERVED = new Set(['local', 'domain']);
const NAME = /^[a-z][a-z0-9_]*$/;
// Literal pattern text: dot-atom characters, minus the pattern's own syntax.
const LITERAL_CHAR = /^[a-z0-9!#$%&'+/=?^_`|~.-]$/;
const CAPTURE_CHAR = /[a-z0-9._-]/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; index: number };

export function parsePattern(source: string): Parsed<Pattern> {
  const tokens: Token[] = [];
  const captures: string[] = [];
  let hasUser = false;
  const fail = (message: string, index: number): Parsed<Pattern> => ({ ok: false, message, index });
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] ?? '';
    if (ch === '{') {
      const end = source.indexOf('}', i);
      if (end < 0) return fail(`unclosed "{" in match pattern "${source}"`, i);
      const name = source.slice(i + 1, end);
      if (!NAME.test(name)) return fail(`invalid placeholder "{${name}}" in match pattern (names are lower-case letters, digits, "_")`, i);
      if (RESERVED.has(name)) return fail(`"{${name}}" cannot be captured: it is a built-in template placeholder`, i);
      if (name === 'user' ? hasUser : captures.includes(name)) return fail(`"{${name}}" appears twice in match pattern`, i);
      if (name === 'user') hasUser = true;
      else captures.push(name);
      tokens.push(name === 'user' ? { kind: 'user' } : { kind: 'capture', name });
      i = end;
    } else if (ch === '}') {
      return fail(`unbalanced "}" in match pattern "${source}"`, i);
    } else if (ch === '*') {
      tokens.push({ kind: 'wildcard' });
    } else if (LITERAL_CHAR.test(ch.toLowerCase())) {
      const last = tokens[tokens.length - 1];
      if (last?.kind === 'literal') last.text += ch.toLowerCase();
      else tokens.push({ kind: 'literal', text: ch.toLowerCase() });
    } else {
      return fail(`character ${JSON.stringify(ch)} cannot appear in an address's local part`, i);
    }
  }
  if (tokens.length === 0) return fail('match pattern is empty', 0);
  return { ok: true, value: { source, tokens, captures, hasUser } };
}

/**
 * Backtracking match with a memo of failed (token, position) states. Captures never constrain later
 * tokens, so a state that failed once fails always: this bounds the work by tokens × length² even for
 * patterns like `{a}{b}{c}`. `isUser` is a Map lookup, so the cost does not grow with the number of users.
 */
export function matchPattern(pattern: Pattern, local: string, isUser: (name: string) => boolean): PatternMatch | null {
  const { tokens } = pattern;
  const failed = new Set<number>();
  const values: string[] = [];
  const step = (ti: number, pos: number): boolean => {
    const token = tokens[ti];
    if (token === undefined) return pos === local.length;
    const key = ti * (local.length + 1) + pos;
    if (failed.has(key)) return false;
    if (token.kind === 'literal') {
      if (local.startsWith(token.text, pos) && step(ti + 1, pos + token.text.length)) return true;
    } else {
      const longest = token.kind === 'wildcard' ? local.length : runEnd(local, pos);
      const shortest = token.kind === 'wildcard' ? pos : pos + 1;
      for (let end = longest; end >= shortest; end--) {
        const value = local.slice(pos, end);
        if (token.kind === 'user' && !isUser(value)) continue;
        values[ti] = value;
        if (step(ti + 1, end)) return true;
      }
    }
    failed.add(key);
    return false;
  };
  if (!step(0, 0)) return null;
  const captures: Record<string, string> = {};
  let user: string | null = null;
  tokens.forEach((token, i) => {
    if (token.kind === 'capture') captures[token.name] = values[i] ?? '';
    if (token.kind === 'user') user = values[i] ?? null;
  });
  return { captures, user };
}

function runEnd(local: string, pos: number): number {
  let end = pos;
  while (end < local.length && CAPTURE_CHAR.test(local[end] ?? '')) end++;
  return end;
}
