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

/**
 * Every author address of a message: the addresses of all its From fields, lower-cased, in order. RFC 5322 wants
 * exactly one From field; DMARC can judge only a message with exactly one author, and a target may refuse any
 * other (Gmail refuses several From fields). `Name <a@b>`, bare `a@b`, lists and groups (`team: a@b, c@d;`) are
 * read; anything without an `@` is no address.
 */
export function authorAddresses(headers: HeaderList): string[] {
  return headerValues(headers, 'from').flatMap(addressesIn);
}

/**
 * The addresses in one address-list value (From, Reply-To), lower-cased, in one pass (a value can be 256 KiB: no pattern that rescans it). Quoted strings
 * and comments may hold `@`, `,` and `<`: they are read past. Outside them, `<…>` is an address, and a list item
 * (split at `,`, a group's `:` and `;`) without one is an address when it holds an `@`.
 */
export function addressesIn(value: string): string[] {
  const found: string[] = [];
  let item = '';
  let angled = false;
  let angle: string | null = null;
  let comment = 0;
  let quoted = false;
  const endItem = (): void => {
    if (!angled) found.push(item);
    item = '';
    angled = false;
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (comment > 0) {
      if (c === '\\') i++;
      else if (c === '(') comment++;
      else if (c === ')') comment--;
    } else if (angle !== null) {
      if (c === '>') {
        found.push(angle);
        angled = true;
        angle = null;
      } else angle += c;
    } else if (c === '"') quoted = true;
    else if (c === '(') comment = 1;
    else if (c === '<') angle = '';
    else if (c === ',' || c === ':' || c === ';') endItem();
    else item += c;
  }
  endItem();
  return found.map((a) => a.trim().toLowerCase()).filter((a) => a.includes('@'));
}

/** The domain of an address (after its last `@`), or null. */
export function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  return at > 0 && at < address.length - 1 ? address.slice(at + 1) : null;
}
