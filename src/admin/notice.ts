import type { AliasView } from './listing.js';
import { aliasAddress } from './address.js';

/**
 * What the page may say after a form post (`/admin?done=<action>&address=<alias>`). Anyone can craft such a
 * link, so a notice says only what the store confirms now: each action's line with the state it leaves
 * behind. Own keys only: `done=__proto__` or `done=constructor` is no action.
 */
const NOTICES: Readonly<Record<string, { holds(view: AliasView): boolean; line(address: string): string }>> = {
  add: { holds: (v) => v.added !== null, line: (a) => `Added ${a}: it receives mail even with new_aliases: reject.` },
  block: { holds: (v) => v.blocked, line: (a) => `Blocked ${a}: its mail is refused (406, nothing sent) from the next message on.` },
  // Said as a state: an alias that was never blocked is "not blocked" too, and nobody unblocked it.
  unblock: { holds: (v) => !v.blocked, line: (a) => `${a} is not blocked: it receives mail.` },
  // Said as a state too: the inventory holds nothing for it (mail to it may make it learned again).
  forget: { holds: () => true, line: (a) => `${a} is forgotten: nothing about it is kept.` },
  resend: { holds: (v) => typeof v.lastFailure?.resent === 'string', line: (a) => `Resent the failed forward of ${a} to its target.` },
};

/**
 * The notice for `done` and `address` from the query, or null when it names no action or the store does not bear
 * it out. `lookup`: the alias as the listing shows it (inventory and failures), or undefined.
 */
export async function confirmedNotice(
  done: unknown,
  address: unknown,
  lookup: (alias: string) => Promise<AliasView | undefined>,
  domains: readonly string[],
): Promise<string | null> {
  if (typeof done !== 'string' || !Object.hasOwn(NOTICES, done) || typeof address !== 'string') return null;
  const notice = NOTICES[done];
  let alias: string;
  try {
    alias = aliasAddress(address, domains);
  } catch {
    return null;
  }
  const view = await lookup(alias);
  if (done === 'forget') return view === undefined && notice ? notice.line(alias) : null;
  return notice && view?.address === alias && notice.holds(view) ? notice.line(alias) : null;
}
