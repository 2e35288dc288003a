import { parseAddress } from '../rules/address.js';
import { AdminBadInput } from './errors.js';

export type AliasCheck = { ok: true; address: string } | { ok: false; message: string };

/**
 * An address given to the admin API, as the inventory keys it (lower-cased `local@domain`), or why not: it
 * must be exactly one plain address, and on one of the relay's domains — the inventory only ever holds those.
 */
export function checkAlias(input: unknown, domains: readonly string[]): AliasCheck {
  const address = typeof input === 'string' ? parseAddress(input) : null;
  if (address === null) return { ok: false, message: `${JSON.stringify(String(input).slice(0, 100))} is not one plain address (local@domain)` };
  if (!domains.includes(address.domain)) return { ok: false, message: `${address.domain} is not one of the relay's domains (${domains.join(', ')})` };
  return { ok: true, address: `${address.local}@${address.domain}` };
}

/** checkAlias for the API: the address, or a 400. */
export function aliasAddress(input: unknown, domains: readonly string[]): string {
  const checked = checkAlias(input, domains);
  if (!checked.ok) throw new AdminBadInput(checked.message);
  return checked.address;
}
