import { lineEnding, terminated, type HeaderView } from '../mail/header-view.js';
import { editMimeText } from '../mail/mime-text.js';

/**
 * The header fields of the owner's reply that travel on: what the contact reads (Subject, Date), what threads it
 * (In-Reply-To, References) and what makes the body readable (MIME). Everything else is dropped, not filtered out
 * name by name: Received, X-Gm-*, X-Google-*, ARC-*, the owner's DKIM-Signature, X-Originating-IP, what Mailgun added
 * on receipt (X-Envelope-From, ARC-Authentication-Results, X-Mailgun-*), Message-ID (Mailgun gives the reply its
 * own) and whatever a mail client invents next all name the owner or their provider.
 */
const KEPT = new Set(['subject', 'date', 'in-reply-to', 'references', 'mime-version', 'content-type', 'content-transfer-encoding']);

export interface ReplyParties {
  /** The alias the reply leaves from. */
  alias: string;
  /** Where it goes. */
  contact: string;
  /** The reply address it came through (quoted text may show it). */
  replyAddress: string;
  /** The owner's mailboxes (`+tag` removed): any of them, with any tag, in quoted text shows the alias. */
  ownerMailboxes: readonly string[];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Text with the owner's addresses made the alias, and the reply address the contact. Pure. */
export function hideOwner(text: string, parties: ReplyParties): string {
  const mailboxes = parties.ownerMailboxes.map((m) => {
    const at = m.lastIndexOf('@');
    return `${escape(m.slice(0, at))}(?:\\+[a-z0-9._=-]*)?@${escape(m.slice(at + 1))}`;
  });
  // Not inside a longer address: no address character before, no more of a domain after.
  const owner = new RegExp(`(?<![a-z0-9._%+=-])(?:${mailboxes.join('|')})(?![a-z0-9-]|\\.[a-z0-9])`, 'gi');
  const reply = new RegExp(escape(parties.replyAddress), 'gi');
  return text.replace(reply, parties.contact).replace(owner, parties.alias);
}

/**
 * The reply as it leaves: From the alias, To the contact, the KEPT fields (with hideOwner applied), and the body with
 * every text part passed through hideOwner. Read and written as latin1, so 8-bit bytes pass unchanged.
 */
export function replyMime(raw: Buffer, header: Pick<HeaderView, 'spans' | 'end'>, parties: ReplyParties): Buffer {
  const end = header.end ?? raw.length;
  const eol = lineEnding(raw, header);
  const kept = header.spans
    .filter((f) => KEPT.has(f.name))
    .map((f) => hideOwner(raw.toString('latin1', f.start, f.end) + (terminated(raw, f) ? '' : eol), parties));
  const head = `From: ${parties.alias}${eol}To: ${parties.contact}${eol}${kept.join('')}${eol}`;
  return Buffer.from(editMimeText(head + raw.subarray(end).toString('latin1'), (text) => hideOwner(text, parties)), 'latin1');
}
