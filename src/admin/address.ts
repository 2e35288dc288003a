import { parseAddress } from '../rules/address.js';
import { AdminBadInput } from './errors.js';

/**
 * An address given to the admin API, as the inventory keys it (lower-cased `local@domain`), or a 400: it
 * must be exactly one plain address, and on one of the relay's domains — the inventory only ever holds those.
 */
export function aliasAddress(input: unknown, domains: readonly string[]): string {
  const address = typeof input === 'string' ? parseAddress(input) : null;
  if (address === null) throw new AdminBadInput(`${JSON.stringify(String(input).slice(0, 100))} is not one plain address (local@domain)`);
  if (!domains.includes(address.domain)) {
    throw new AdminBadInput(`${address.domain} is not one of the relay's domains (${domains.join(', ')})`);
  }
  return `${address.local}@${address.domain}`;
}
