import { DESCRIPTION_MAX_CHARS } from '../store/inventory.js';
import { AdminBadInput } from './errors.js';

// Control characters (line breaks included) and lone surrogates: a description is one line of text, shown
// in the listing and the page; anything else there is a mistake or an attempt to forge output.
const NOT_ONE_LINE = /[\p{Cc}\u2028\u2029]|\p{Cs}/u;
const NOT_ONE_LINE_ALL = new RegExp(NOT_ONE_LINE.source, 'gu');

/**
 * The operator's description for `add` (the body's `description`, urlencoded or JSON) as the inventory
 * stores it: trimmed; undefined when absent or empty (adding again without one keeps the alias's); a 400
 * when it is not one line of at most DESCRIPTION_MAX_CHARS characters (the inventory's size bound relies on it).
 */
export function aliasDescription(body: unknown): string | undefined {
  const input = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).description : undefined;
  if (input !== undefined && input !== null && typeof input !== 'string') throw new AdminBadInput('description must be a string');
  const text = input?.trim() ?? '';
  if (text === '') return undefined;
  if ([...text].length > DESCRIPTION_MAX_CHARS) throw new AdminBadInput(`description is longer than ${DESCRIPTION_MAX_CHARS} characters`);
  if (NOT_ONE_LINE.test(text)) throw new AdminBadInput('description must be one line of text, without control characters');
  return text;
}

/**
 * A description from a client that cannot be asked to fix it (a password manager writes its own text): made to
 * fit instead of refused — control characters become spaces, and it is cut at DESCRIPTION_MAX_CHARS characters.
 */
export function fittedDescription(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  const text = [...input.replace(NOT_ONE_LINE_ALL, ' ').trim()].slice(0, DESCRIPTION_MAX_CHARS).join('').trim();
  return text === '' ? undefined : text;
}
