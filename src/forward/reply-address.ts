import type { InboundMessage } from '../inbound/message.js';
import { parseAddress } from '../rules/address.js';
import { replyLocalPart, type ReplyAddresses } from '../store/reply-addresses.js';
import { splitFrom } from '../mail/address.js';
import type { DmarcVerdict } from './dmarc.js';
import { replyContact, replyToDecision, type ReplyToDecision } from './reply-to.js';
import { withReplyAddress } from './compose.js';

/** A forward with its reply address: the message to send, the Reply-To parsed mode sends, and the decision taken. */
export interface CarriedReply {
  message: InboundMessage;
  replyTo: string;
  decision: ReplyToDecision;
}

export interface CarryDeps {
  replies: ReplyAddresses;
  sendingDomain: string;
}

/**
 * The reply address of (alias, contact) — made on first use — set as the forward's only Reply-To. Null when the
 * message names no single address to reply to (then it is forwarded as it would be with replies off).
 */
export async function carryReplyAddress(message: InboundMessage, alias: string, user: string | null, dmarc: DmarcVerdict | undefined, deps: CarryDeps): Promise<CarriedReply | null> {
  const named = replyContact(message.headers) ?? (splitFrom(message.from).address.toLowerCase() || null);
  const contact = named && parseAddress(named);
  const own = parseAddress(alias);
  if (!contact || !own) return null;
  const token = await deps.replies.issue({ alias: `${own.local}@${own.domain}`, contact: `${contact.local}@${contact.domain}`, user }, false);
  // On the alias's own domain: Mailgun routes it to the relay as it routes the alias.
  const replyTo = `${replyLocalPart(token)}@${own.domain}`;
  const decision: ReplyToDecision = message.raw ? replyToDecision(message.raw, message.headers, dmarc) : { action: 'parsed', reason: 'parsed-mode' };
  return { message: withReplyAddress(message, decision, replyTo, deps.sendingDomain), replyTo, decision };
}
