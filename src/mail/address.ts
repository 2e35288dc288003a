import { headerValues, type HeaderList } from './headers.js';

/** A header value as one line: values we emit must be one, and a sender controls these strings. */
export const oneLine = (s: string): string => s.replace(/[\r\n\t]+/g, ' ').trim();

/** Splits `Bob <bob@example.net>` into its display name and address, tolerating bare addresses. */
export function splitFrom(from: string | null): { name: string; address: string } {
  const value = oneLine(from ?? '');
  const angle = /^(.*?)<([^<>]*)>\s*$/.exec(value);
  if (angle) return { name: (angle[1] ?? '').trim().replace(/^"|"$/g, '').trim(), address: (angle[2] ?? '').trim() };
  return { name: '', address: value };
}

// Quoted strings and comments may hold `@`, `,` and `<`: they are read past, never as addresses.
const QUOTED = /"(?:[^"\\]|\\.)*"/g;
const COMMENT = /\((?:[^()\\]|\\.)*\)/g;

/**
 * Every author address of a message: the addresses of all its From fields, lower-cased, in order. RFC 5322 wants
 * exactly one From field; DMARC can judge only a message with exactly one author, and a target may refuse any
 * other (Gmail refuses several From fields). `Name <a@b>`, bare `a@b`, lists and groups (`team: a@b, c@d;`) are
 * read; anything without an `@` is no address.
 */
export function authorAddresses(headers: HeaderList): string[] {
  return headerValues(headers, 'from').flatMap(addressesOf);
}

function addressesOf(value: string): string[] {
  const bare = value.replace(QUOTED, '""').replace(COMMENT, ' ');
  const angled = [...bare.matchAll(/<([^<>]*)>/g)].map((m) => m[1] ?? '');
  // Outside angle brackets, a comma or a group's `:` / `;` separates addresses; a display name is one word before `<`.
  const outside = bare.replace(/[^,:;<>]*<[^<>]*>/g, ',').split(/[,:;]/);
  return [...angled, ...outside]
    .map((a) => a.trim().toLowerCase())
    .filter((a) => a.includes('@'));
}

/** The domain of an address (after its last `@`), or null. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  return at > 0 && at < address.length - 1 ? address.slice(at + 1) : null;
}
