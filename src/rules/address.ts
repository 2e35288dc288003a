/**
 * Strict address syntax. Recipients arrive from the sender, so anything that is not exactly one bare
 * `local@domain` is refused here rather than interpreted: no display names, quotes, comments, lists or
 * source routes. Both the recipient and every rendered target pass through `parseAddress`.
 */

export interface Address {
  /** Lower-cased local part. */
  local: string;
  /** Lower-cased domain. */
  domain: string;
}

// RFC 5321 limits: a longer local part or path is not deliverable, so it cannot be a legitimate recipient.
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

// RFC 5322 dot-atom: atext runs joined by single dots. Quoted strings and comments are deliberately absent.
const DOT_ATOM = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A DNS host name of at least two labels, ASCII only (internationalised names must arrive as `xn--`),
 * no trailing dot, and a non-numeric last label so that an IP address is never taken for a host name.
 */
export function isHostname(name: string): boolean {
  if (name.length === 0 || name.length > MAX_DOMAIN) return false;
  const labels = name.toLowerCase().split('.');
  if (labels.length < 2) return false;
  if (!labels.every((label) => LABEL.test(label))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1] ?? '');
}

/** True for a local part that may appear unquoted in an address (after lower-casing). */
export function isDotAtom(local: string): boolean {
  return local.length > 0 && local.length <= MAX_LOCAL && DOT_ATOM.test(local);
}

/** Exactly one bare `local@domain`, or null. Never trims: surrounding whitespace is itself a sign of injection. */
export function parseAddress(input: string): Address | null {
  if (typeof input !== 'string' || input.length > MAX_LOCAL + 1 + MAX_DOMAIN) return null;
  const lower = input.toLowerCase();
  const at = lower.indexOf('@');
  if (at < 0 || lower.indexOf('@', at + 1) >= 0) return null;
  const local = lower.slice(0, at);
  const domain = lower.slice(at + 1);
  // toLowerCase maps a few non-ASCII characters onto ASCII (e.g. the Kelvin sign to 'k'); check the original too.
  if (!/^[\x21-\x7e]+$/.test(input)) return null;
  if (!isDotAtom(local) || !isHostname(domain)) return null;
  return { local, domain };
}

/**
 * A rendered target: a strict address that also avoids the `%` and `!` source-route forms, because some
 * MTAs still relay `a%b@host` to `b` and `b!a@host` to `b` — a target must never name a second host.
 */
export function parseTarget(input: string): Address | null {
  const address = parseAddress(input);
  if (address === null || /[%!]/.test(address.local)) return null;
  return address;
}
