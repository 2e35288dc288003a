import type { AliasEntry, Inventory } from '../store/inventory.js';
import { aliasAddress } from './address.js';

/**
 * What the page may say after a form post (`/admin?done=<action>&address=<alias>`). Anyone can craft such a
 * link, so a notice says only what the store confirms now: each action's line with the state it leaves
 * behind. Own keys only: `done=__proto__` or `done=constructor` is no action.
 */
const NOTICES: Readonly<Record<string, { holds(entry: AliasEntry): boolean; line(address: string): string }>> = {
  add: { holds: (e) => e.added !== null, line: (a) => `Added ${a}: it receives mail even with new_aliases: reject.` },
  block: { holds: (e) => e.blocked, line: (a) => `Blocked ${a}: its mail is refused (406, nothing sent) from the next message on.` },
  // Said as a state: an alias that was never blocked is "not blocked" too, and nobody unblocked it.
  unblock: { holds: (e) => !e.blocked, line: (a) => `${a} is not blocked: it receives mail.` },
};

/** The notice for `done` and `address` from the query, or null when it names no action or the store does not bear it out. */
export async function confirmedNotice(done: unknown, address: unknown, inventory: Inventory, domains: readonly string[]): Promise<string | null> {
  if (typeof done !== 'string' || !Object.hasOwn(NOTICES, done) || typeof address !== 'string') return null;
  const notice = NOTICES[done];
  let alias: string;
  try {
    alias = aliasAddress(address, domains);
  } catch {
    return null;
  }
  const [entry] = await inventory.list({ address: alias, limit: 1 });
  return notice && entry?.address === alias && notice.holds(entry) ? notice.line(alias) : null;
}
