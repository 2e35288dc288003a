import { domainOf } from '../mail/address.js';
import { targetMailbox } from '../flood/mailbox.js';

/**
 * The owner's mailbox a reply comes from, when its single author (`authors`: the From addresses, HeaderView's) is one of `targets`' mailboxes (the `+tag` removed,
 * case-insensitive), with the domain its DKIM signature must be aligned with; null for anyone else. Pure: the
 * signature itself is checked afterwards (a From is only a claim).
 */
export function ownerMailbox(authors: readonly string[], targets: readonly string[]): { mailbox: string; domain: string } | null {
  if (authors.length !== 1) return null;
  const mailbox = targetMailbox(authors[0] ?? '');
  const domain = domainOf(mailbox);
  if (!domain || !targets.some((t) => targetMailbox(t) === mailbox)) return null;
  return { mailbox, domain };
}
